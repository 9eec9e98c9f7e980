import NIOCore
import Testing

@testable import RedisNIO

@Suite("RESP command encoder")
struct RedisCommandEncoderTests {
    private func encode(_ commands: RedisCommand...) -> String {
        var encoder = RedisCommandEncoder(buffer: ByteBuffer())
        for command in commands {
            encoder.encode(command)
        }
        return String(buffer: encoder.flush())
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        #expect(self.encode(RedisCommand("SET", ["k", "v"])) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        #expect(self.encode(.ping) == "*1\r\n$4\r\nPING\r\n")
        #expect(self.encode(.get("key")) == "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
        #expect(self.encode(.del(["a", "bb"])) == "*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$2\r\nbb\r\n")
        #expect(
            self.encode(.set("k", "value", expirationMilliseconds: 1500))
                == "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n$2\r\nPX\r\n$4\r\n1500\r\n"
        )
        #expect(self.encode(.publish("ch", "hi")) == "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n")
    }

    @Test func encodesEmptyUnicodeAndBinaryArguments() {
        #expect(self.encode(RedisCommand("ECHO", [""])) == "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
        // The length counts UTF-8 bytes, not characters.
        #expect(self.encode(RedisCommand("ECHO", ["é"])) == "*2\r\n$4\r\nECHO\r\n$2\r\né\r\n")
        var encoder = RedisCommandEncoder(buffer: ByteBuffer())
        encoder.encode(RedisCommand("SET", arguments: [ByteBuffer(string: "k"), ByteBuffer(bytes: [0x0D, 0x0A, 0x00])]))
        let bytes = Array(encoder.flush().readableBytesView)
        #expect(bytes == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n".utf8) + [0x0D, 0x0A, 0x00] + Array("\r\n".utf8))
    }

    @Test func batchesSeveralCommandsAndStartsOverAfterFlush() {
        var encoder = RedisCommandEncoder(buffer: ByteBuffer())
        encoder.encode(.ping)
        encoder.encode(.get("a"))
        #expect(String(buffer: encoder.flush()) == "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        encoder.encode(.ping)
        #expect(String(buffer: encoder.flush()) == "*1\r\n$4\r\nPING\r\n")
    }

    @Test func scriptSHA1IsLowercaseHex() {
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        #expect(RedisScript("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }
}
