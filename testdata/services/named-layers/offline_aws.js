'use strict';

// Test-only Serverless plugin: keeps `sls package` off the network.
//
// While packaging a service that declares layers, Serverless v3 (package:compileLayers) calls
// CloudFormation describeStacks to reuse a layer that is already uploaded. Without credentials that
// fails with "AWS provider credentials not found". This plugin answers that call the way AWS
// answers for a stack that was never deployed: a ValidationError "Stack with id <name> does not
// exist", which v3 treats as "nothing uploaded yet". Any other AWS request fails loudly: the tests
// never call AWS.
class OfflineAws {
  constructor(serverless) {
    const provider = serverless.getProvider('aws');
    const ServerlessError = serverless.classes.Error;
    provider.request = async (service, method, params) => {
      if (service === 'CloudFormation' && method === 'describeStacks') {
        const name = (params && params.StackName) || '';
        throw Object.assign(
          new ServerlessError(
            `Stack with id ${name} does not exist`,
            'AWS_CLOUD_FORMATION_DESCRIBE_STACKS_VALIDATION_ERROR'
          ),
          {
            providerError: { code: 'ValidationError', statusCode: 400, retryable: false },
            providerErrorCodeExtension: 'VALIDATION_ERROR',
          }
        );
      }
      throw new ServerlessError(
        `offline_aws (test plugin): unexpected AWS request ${service}.${method}: the tests never call AWS`,
        'OFFLINE_AWS_UNEXPECTED_REQUEST'
      );
    };
  }
}

module.exports = OfflineAws;
