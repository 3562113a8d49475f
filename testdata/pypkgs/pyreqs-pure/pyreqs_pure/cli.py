import sys

from pyreqs_pure import greet


def main():
    print(greet(sys.argv[1] if len(sys.argv) > 1 else "world"))
    return 0
