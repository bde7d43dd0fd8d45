"""Opening a Whoosh segment without copying it.

Whoosh 2.7.4 memory-maps each compound segment file and then hands every file inside it to a
`BufferFile`, whose constructor copies the mapped bytes into a `BytesIO`. Opening a searcher
therefore reads and copies the whole index (≈ 830 MB at 100,000 documents: ~0.7–1 s, and that
much memory per open searcher). `ZeroCopyBufferFile` reads the mapping in place.

Whoosh is unmaintained and pinned (`Whoosh==2.7.4`); `install()` replaces the one name
`whoosh.filedb.compound.BufferFile` that `CompoundStorage.open_file` uses, and is idempotent.
"""

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class MemoryReader:
    """A read-only, seekable file over a memoryview: what `BytesIO(view)` offers, without the
    copy. Enough for StructFile and pickle.load (read, readinto, readline, seek, tell)."""

    __slots__ = ("_view", "_pos", "_len")

    def __init__(self, view):
        self._view = view
        self._pos = 0
        self._len = len(view)

    def read(self, size=-1):
        start = self._pos
        end = self._len if size is None or size < 0 else min(self._len, start + size)
        self._pos = end
        return self._view[start:end].tobytes()

    def readinto(self, target):
        count = max(0, min(len(target), self._len - self._pos))
        target[:count] = self._view[self._pos : self._pos + count]
        self._pos += count
        return count

    def readline(self, size=-1):
        start = self._pos
        end = self._len if size is None or size < 0 else min(self._len, start + size)
        chunk = self._view[start:end].tobytes()
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunk = chunk[: newline + 1]
        self._pos = start + len(chunk)
        return chunk

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, position, whence=0):
        if whence == 1:
            position += self._pos
        elif whence == 2:
            position += self._len
        self._pos = max(0, position)
        return self._pos

    def tell(self):
        return self._pos

    def close(self):
        self._view = memoryview(b"")
        self._len = self._pos = 0


class ZeroCopyBufferFile(BufferFile):
    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = MemoryReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return ZeroCopyBufferFile(self._buf[position : position + length], name=name or self._name)


def install():
    compound.BufferFile = ZeroCopyBufferFile
