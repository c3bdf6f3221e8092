"""A port as the streamers use it: a vanished port becomes one :class:`DeviceError`, remembered.

Both streamers (GRBL and EBB) read what has arrived with a timeout and write whole commands;
a USB cable pulled mid-plot shows up as ``SerialException`` or ``OSError`` from either. Here
it becomes "lost connection", and :attr:`PortLink.lost` tells recovery not to write again.
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

import serial

from .grbl_protocol import DeviceError


class PortLink:
    """Guarded reads and writes on a pyserial-like ``port``; writes are locked (realtime bytes
    such as a feed hold may come from another thread)."""

    def __init__(self, port: Any, device_name: str = "device") -> None:
        self.port = port
        self.device_name = device_name
        self.lost = False
        self._write_lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._write_lock:
            try:
                self.port.write(data)
            except (serial.SerialException, OSError) as error:
                self._lose(error)

    def read(self, timeout: float) -> bytes:
        """What has arrived (waiting up to ``timeout`` for at least one byte)."""
        try:
            if self.port.timeout != timeout:
                self.port.timeout = timeout
            return self.port.read(self.port.in_waiting or 1)
        except (serial.SerialException, OSError) as error:
            self._lose(error)

    def _lose(self, error: Exception) -> NoReturn:
        self.lost = True
        raise DeviceError(f"lost connection to {self.device_name}: {error}") from error
