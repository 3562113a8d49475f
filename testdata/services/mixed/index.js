'use strict';

exports.handler = async () => ({ statusCode: 200, body: 'hello from node' });
