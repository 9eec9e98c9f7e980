import NIOCore

/// Encodes commands into one buffer so a batch goes out in a single write.
struct RedisCommandEncoder {
    private var buffer: ByteBuffer

    init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Appends `*N\r\n` then every part as a bulk string.
    mutating func encode(_ command: RedisCommand) {
        self.buffer.writeStaticString("*")
        self.writeDecimal(command.arguments.count + 1)
        let nameLength = command.name.utf8.count
        self.buffer.writeStaticString("$")
        self.writeDecimal(nameLength)
        self.buffer.writeString(command.name)
        self.buffer.writeStaticString("\r\n")
        for argument in command.arguments {
            self.buffer.writeStaticString("$")
            self.writeDecimal(argument.readableBytes)
            self.buffer.writeImmutableBuffer(argument)
            self.buffer.writeStaticString("\r\n")
        }
    }

    /// Returns the bytes encoded so far and starts over.
    mutating func flush() -> ByteBuffer {
        let result = self.buffer
        self.buffer.clear()
        return result
    }

    private mutating func writeDecimal(_ value: Int) {
        self.buffer.writeString(String(value))
        self.buffer.writeStaticString("\r\n")
    }
}
