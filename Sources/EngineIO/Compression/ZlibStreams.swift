import CompressNIO
import EngineIOProtocol
import NIOCore

/// One-shot compression of a polling response body, in the coding the client accepts.
enum HTTPBodyCompression {
    /// `body` compressed as `coding` (`gzip` or zlib's format for `deflate`), or `nil` if zlib
    /// failed (the response then goes uncompressed).
    static func compress(
        _ body: ByteBuffer,
        coding: HTTPContentCoding,
        level: Int,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    )
        -> ByteBuffer?
    {
        let algorithm: ZlibAlgorithm = coding == .gzip ? .gzip : .zlib
        guard let compressor = try? ZlibCompressor(algorithm: algorithm, configuration: ZlibConfiguration(compressionLevel: Int32(level))) else {
            return nil
        }
        var input = body
        var output = allocator.buffer(capacity: compressor.maxSize(from: input))
        do {
            try compressor.deflate(from: &input, to: &output, flush: .finish)
        } catch {
            return nil
        }
        return output
    }
}

/// The errors of a `permessage-deflate` connection, mapped to close codes by
/// ``EngineIOWebSocketHandler``.
enum PerMessageDeflateError: Error, Equatable {
    /// A message inflated to more than `maxPayload` bytes (1009, as `ws`).
    case messageTooLarge
    /// zlib could not inflate what the client sent (1007, as `ws`).
    case invalidCompressedData
}

/// The deflate side of one `permessage-deflate` connection (RFC 7692 §7.2.1): each message is
/// compressed with a sync flush and loses the `00 00 ff ff` the flush ends with. The zlib stream
/// is made on the first message, so a connection that only gets small messages costs nothing.
final class MessageDeflater {
    private let parameters: PerMessageDeflateParameters
    private let level: Int
    private let memoryLevel: Int
    private var compressor: ZlibCompressor?

    init(parameters: PerMessageDeflateParameters, level: Int, memoryLevel: Int) {
        self.parameters = parameters
        self.level = level
        self.memoryLevel = memoryLevel
    }

    /// The compressed payload of one message.
    func deflate(_ message: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let compressor = try self.compressor ?? self.makeCompressor()
        var input = message
        var output = allocator.buffer(capacity: compressor.maxSize(from: input))
        try compressor.deflate(from: &input, to: &output, flush: .sync)
        // §7.2.1: remove the four octets 0x00 0x00 0xff 0xff at the tail end.
        if output.readableBytes >= 4, output.getInteger(at: output.writerIndex - 4, as: UInt32.self) == 0x0000_FFFF {
            output.moveWriterIndex(to: output.writerIndex - 4)
        }
        if self.parameters.serverNoContextTakeover { try compressor.reset() }
        return output
    }

    private func makeCompressor() throws -> ZlibCompressor {
        let compressor = try ZlibCompressor(
            algorithm: .deflate,
            configuration: ZlibConfiguration(
                windowSize: Int32(self.parameters.serverMaxWindowBits),
                compressionLevel: Int32(self.level),
                memoryLevel: Int32(self.memoryLevel)
            )
        )
        self.compressor = compressor
        return compressor
    }
}

/// The inflate side of one `permessage-deflate` connection (RFC 7692 §7.2.2): a message arrives
/// in one frame or several, is inflated as it arrives, and must not grow past `limit` bytes in
/// all (a decompression bomb is refused before it is held in memory).
final class MessageInflater {
    private let parameters: PerMessageDeflateParameters
    private let limit: Int
    private var decompressor: ZlibDecompressor?
    /// Bytes inflated so far for the current message.
    private var inflated = 0

    init(parameters: PerMessageDeflateParameters, limit: Int) {
        self.parameters = parameters
        self.limit = limit
    }

    /// Inflates one frame's payload of the current message; `last` for the frame with FIN,
    /// after which the message is complete.
    func inflate(_ payload: ByteBuffer, last: Bool, allocator: ByteBufferAllocator) throws(PerMessageDeflateError) -> ByteBuffer {
        var input = payload
        if last {
            // §7.2.2: append 0x00 0x00 0xff 0xff to the payload of the message.
            input.writeInteger(UInt32(0x0000_FFFF))
        }
        let decompressor: ZlibDecompressor
        do {
            decompressor = try self.decompressor ?? self.makeDecompressor()
        } catch {
            throw .invalidCompressedData
        }
        var output = allocator.buffer(capacity: min(max(payload.readableBytes * 4, 256), self.limit - self.inflated + 1))
        while input.readableBytes > 0 {
            if output.writableBytes == 0 {
                let room = self.limit - self.inflated - output.readableBytes + 1
                guard room > 0 else { throw .messageTooLarge }
                output.reserveCapacity(minimumWritableBytes: min(max(output.readableBytes, 4096), room))
            }
            let before = input.readableBytes
            do {
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // Output full: grow it (within the limit) and go on.
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                break
            } catch {
                throw .invalidCompressedData
            }
            if self.inflated + output.readableBytes > self.limit { throw .messageTooLarge }
            if input.readableBytes == before, output.writableBytes > 0 {
                // No progress with room to write: the client ended its stream (BFINAL). Only
                // the tail appended above may follow; the next message starts a new stream.
                guard last, input.readableBytes <= 4 else { throw .invalidCompressedData }
                try? decompressor.reset()
                break
            }
        }
        self.inflated += output.readableBytes
        if self.inflated > self.limit { throw .messageTooLarge }
        if last {
            self.inflated = 0
            if self.parameters.clientNoContextTakeover { try? decompressor.reset() }
        }
        return output
    }

    private func makeDecompressor() throws -> ZlibDecompressor {
        // A window at least as large as the client's; zlib's raw inflate takes 9...15 here.
        let decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: Int32(max(self.parameters.clientMaxWindowBits, 9)))
        self.decompressor = decompressor
        return decompressor
    }
}

@available(*, unavailable)
extension MessageDeflater: Sendable {}

@available(*, unavailable)
extension MessageInflater: Sendable {}
