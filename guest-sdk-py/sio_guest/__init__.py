"""The `sio-guest` distribution's tooling: `sio_guest.build` (the
`sio-build-py` command) and `sio_guest/wit`, the `sio:realtime` contract the
SDK is written for (copied in when the wheel is built). Handlers import the
SDK's modules `sio` (or `sio_async`) and `sio_args`, not this package.
"""
