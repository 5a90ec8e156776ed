"""The kbase server: the only process that opens the database and reads the keys.

`kbase serve` runs it (cli/cmd_serve.py); `runner` binds its sockets, `app` is its HTTP face,
`bindings` maps each protocol operation to a service, `sessions` holds who is signed in, and
`housekeeping` signs out users who may no longer work.
"""
