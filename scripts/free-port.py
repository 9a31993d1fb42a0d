#!/usr/bin/env python3
"""Prints a free TCP port on 127.0.0.1 below the ephemeral range (32768+), other than the
ports given as arguments (ones a script already picked but has not bound yet).

A port from bind(0) is ephemeral: until the server that gets it binds it, any client
connection on the machine may take it as its local port (seen in CI as nginx's
"Address already in use"). Ports from 20000-32000 are never handed out that way.
"""
import errno
import random
import socket
import sys

taken = {int(arg) for arg in sys.argv[1:] if arg.isdigit()}
for _ in range(500):
    port = random.randint(20000, 32000)
    if port in taken:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    # Scripts listen on [::1] too where the machine has IPv6: the port must be free there.
    try:
        s6 = socket.socket(socket.AF_INET6)
    except OSError:
        s6 = None
    if s6 is not None:
        try:
            s6.bind(("::1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                continue
        finally:
            s6.close()
    print(port)
    sys.exit(0)
sys.exit("free-port: no free port in 20000-32000")
