"""What the app needs from the machine: where files live (`paths`), saving a file whole (`atomic`),
the log (`logs`), memory before torch loads (`memory`), glibc's allocator (`allocator`) and Qt's
own command-line options (`qt_options`). Imports nothing else of lenet_gui."""
