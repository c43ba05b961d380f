import CompressNIO
package import NIOCore

/// Inflating a gzip body of known size: the light client, embedded gzipped in `SocketIO`, for
/// the clients that do not accept gzip.
package enum Gzip {
    /// `gzip` inflated into exactly `size` bytes, or `nil` when it is not a gzip stream of that
    /// size (zlib checks the CRC-32 in the trailer).
    package static func inflate(_ gzip: ByteBuffer, size: Int) -> ByteBuffer? {
        var input = gzip
        var output = ByteBuffer()
        output.reserveCapacity(size)
        do {
            try input.decompress(to: &output, with: .gzip)
        } catch {
            return nil
        }
        return output.readableBytes == size && input.readableBytes == 0 ? output : nil
    }
}
