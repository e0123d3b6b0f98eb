"""Generated gRPC stubs of the clearway.v1 contracts."""
