/// A growable byte buffer in memory that is wiped whenever it is freed, moved or emptied.
///
/// Request heads carry `Authorization` values and response bodies carry tokens, so the bytes the
/// HTTP layer assembles and reads pass through here rather than through `[UInt8]`, which may be
/// copied by the runtime where no wipe can reach. Bytes are appended at the end and consumed
/// from the front; consumed space is reclaimed when more room is needed.
final class ByteBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    private var readerIndex = 0
    private var writerIndex = 0

    init(capacity: Int = 4096) {
        storage = .allocate(byteCount: max(capacity, 16), alignment: 16)
    }

    deinit {
        wipe(storage)
        storage.deallocate()
    }

    /// The bytes not yet consumed. Valid until the next call that changes the buffer.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[readerIndex..<writerIndex])
    }

    var readableCount: Int { writerIndex - readerIndex }
    var isEmpty: Bool { readerIndex == writerIndex }

    /// Drops `count` bytes from the front.
    func consume(_ count: Int) {
        precondition(count >= 0 && count <= readableCount)
        readerIndex += count
        if readerIndex == writerIndex { clear() }
    }

    /// Drops everything and wipes what was there.
    func clear() {
        wipe(UnsafeMutableRawBufferPointer(rebasing: storage[0..<writerIndex]))
        readerIndex = 0
        writerIndex = 0
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let target = writable(atLeast: bytes.count)
        target.copyMemory(from: bytes)
        commit(bytes.count)
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    func append(_ secret: Secret) {
        secret.withUnsafeBytes { append($0) }
    }

    /// Free space after the readable bytes, at least `count` long, to be filled and then
    /// `commit`ted. Valid until the next call that changes the buffer.
    func writable(atLeast count: Int) -> UnsafeMutableRawBufferPointer {
        if storage.count - writerIndex < count {
            let needed = readableCount + count
            if readerIndex > 0, storage.count >= needed {
                // Move the readable bytes to the front and wipe the tail they came from.
                let moved = readableCount
                UnsafeMutableRawBufferPointer(rebasing: storage[0..<moved]).copyMemory(from: readable)
                wipe(UnsafeMutableRawBufferPointer(rebasing: storage[moved..<writerIndex]))
                readerIndex = 0
                writerIndex = moved
            } else {
                var capacity = storage.count
                while capacity < needed { capacity *= 2 }
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
                UnsafeMutableRawBufferPointer(rebasing: grown[0..<readableCount]).copyMemory(from: readable)
                writerIndex = readableCount
                readerIndex = 0
                wipe(storage)
                storage.deallocate()
                storage = grown
            }
        }
        return UnsafeMutableRawBufferPointer(rebasing: storage[writerIndex...])
    }

    /// Marks `count` bytes of the space returned by `writable` as filled.
    func commit(_ count: Int) {
        precondition(count >= 0 && writerIndex + count <= storage.count)
        writerIndex += count
    }

    /// A copy of the readable bytes in wiped memory.
    func secureCopy() -> SecureBytes {
        SecureBytes(copying: readable)
    }
}
