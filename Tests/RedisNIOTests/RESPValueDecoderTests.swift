import NIOCore
import NIOTestUtils
import Testing

@testable import RedisNIO

@Suite("RESP decoder")
struct RESPValueDecoderTests {
    private func bulk(_ string: String) -> RESPValue {
        .bulkString(ByteBuffer(string: string))
    }

    private func pairs(_ cases: [(String, RESPValue)]) -> [(ByteBuffer, [RESPValue])] {
        cases.map { (ByteBuffer(string: $0.0), [$0.1]) }
    }

    @Test func decodesEveryRESP2Type() throws {
        let cases: [(String, RESPValue)] = [
            ("+OK\r\n", .simpleString("OK")),
            ("+\r\n", .simpleString("")),
            ("-ERR unknown command\r\n", .error("ERR unknown command")),
            (":0\r\n", .integer(0)),
            (":-42\r\n", .integer(-42)),
            (":9223372036854775807\r\n", .integer(.max)),
            ("$3\r\nfoo\r\n", self.bulk("foo")),
            ("$0\r\n\r\n", self.bulk("")),
            ("$-1\r\n", .null),
            ("*-1\r\n", .null),
            ("*0\r\n", .array([])),
            ("*3\r\n:1\r\n$1\r\na\r\n$-1\r\n", .array([.integer(1), self.bulk("a"), .null])),
            (
                "*2\r\n*2\r\n+a\r\n:2\r\n*1\r\n*0\r\n",
                .array([.array([.simpleString("a"), .integer(2)]), .array([.array([])])])
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: self.pairs(cases)) { RESPValueDecoder() }
    }

    @Test func decodesBinaryBulkStringsWithCRLFInside() throws {
        var input = ByteBuffer(string: "$6\r\n")
        input.writeBytes([0x00, 0x0D, 0x0A, 0xFF, 0x0D, 0x0A])
        input.writeString("\r\n")
        let expected = RESPValue.bulkString(ByteBuffer(bytes: [0x00, 0x0D, 0x0A, 0xFF, 0x0D, 0x0A]))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, [expected])]) { RESPValueDecoder() }
    }

    @Test func decodesEveryRESP3Type() throws {
        let cases: [(String, RESPValue)] = [
            ("_\r\n", .null),
            (",3.25\r\n", .double(3.25)),
            (",-1\r\n", .double(-1)),
            (",inf\r\n", .double(.infinity)),
            (",-inf\r\n", .double(-.infinity)),
            ("#t\r\n", .boolean(true)),
            ("#f\r\n", .boolean(false)),
            ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
            ("(-12\r\n", .bigNumber("-12")),
            ("!21\r\nSYNTAX invalid syntax\r\n", .error("SYNTAX invalid syntax")),
            ("=15\r\ntxt:Some string\r\n", .verbatimString("Some string")),
            (
                "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n*1\r\n#f\r\n",
                .map([
                    RESPMapEntry(key: .simpleString("first"), value: .integer(1)),
                    RESPMapEntry(key: self.bulk("second"), value: .array([.boolean(false)])),
                ])
            ),
            ("%0\r\n", .map([])),
            ("~3\r\n+a\r\n:1\r\n_\r\n", .set([.simpleString("a"), .integer(1), .null])),
            (">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", .push([self.bulk("message"), self.bulk("ch"), self.bulk("hello")])),
            // Attributes annotate the value after them and are dropped, at top level and inside aggregates.
            (
                "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n",
                .array([.integer(2_039_123), .integer(9_543_892)])
            ),
            ("*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n+x\r\n", .array([.integer(1), .simpleString("x")])),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: self.pairs(cases)) { RESPValueDecoder() }
    }

    @Test func decodesSeveralValuesFromOneBuffer() throws {
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer(string: "+OK\r\n:1\r\n$1\r\nx\r\n")
        #expect(try decoder.decode(buffer: &buffer) == .simpleString("OK"))
        #expect(try decoder.decode(buffer: &buffer) == .integer(1))
        #expect(try decoder.decode(buffer: &buffer) == self.bulk("x"))
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [
        "+OK\r\n", ":12\r\n", "$5\r\nhello\r\n", "*2\r\n$1\r\na\r\n%1\r\n+k\r\n+v\r\n", "=15\r\ntxt:Some string\r\n",
        "|1\r\n+a\r\n+b\r\n+c\r\n", ">2\r\n+a\r\n+b\r\n", "$-1\r\n", "_\r\n",
    ])
    func partialFramesConsumeNothing(frame: String) throws {
        let complete = ByteBuffer(string: frame)
        for length in 0..<complete.readableBytes {
            var decoder = RESPValueDecoder()
            var partial = complete.getSlice(at: complete.readerIndex, length: length)!
            #expect(try decoder.decode(buffer: &partial) == nil, "prefix of \(length) bytes")
            #expect(partial.readableBytes == length, "prefix of \(length) bytes consumed something")
        }
    }

    @Test(arguments: [
        ("?what\r\n", "unknown type byte"),
        ("$abc\r\nxyz\r\n", "non-numeric length"),
        ("*x\r\n", "non-numeric count"),
        ("$-2\r\n", "negative length other than -1"),
        ("*-5\r\n", "negative count"),
        ("%-1\r\n", "null map"),
        ("~-1\r\n", "null set"),
        ("$3\r\nfooXY", "bulk without CRLF"),
        ("+OK\rX", "CR without LF"),
        (":12a\r\n", "non-numeric integer"),
        (",1.2.3\r\n", "non-numeric double"),
        ("#x\r\n", "bad boolean"),
        ("(12x\r\n", "bad big number"),
        ("_x\r\n", "null with payload"),
        ("=3\r\nabc\r\n", "verbatim without format"),
        ("$536870913\r\n", "bulk above 512 MiB"),
        ("$99999999999999999999999\r\n", "length beyond Int"),
        ("*16777217\r\n", "huge array count"),
        ("%4000000000\r\n", "huge map count"),
        ("$1234567890123456789012345678901234567890123456789012345678901234567890", "endless length line"),
    ])
    func malformedInputThrowsProtocolError(input: String, reason: String) {
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer(string: input)
        let error = #expect(throws: RedisError.self, "\(reason)") {
            while try decoder.decode(buffer: &buffer) != nil {}
        }
        #expect(error?.code == .protocolError, "\(reason)")
    }

    @Test func deepNestingThrowsInsteadOfExhaustingTheStack() {
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 10_000) + ":1\r\n")
        let error = #expect(throws: RedisError.self) {
            _ = try decoder.decode(buffer: &buffer)
        }
        #expect(error?.code == .protocolError)
    }

    @Test func largeClaimedLengthWaitsWithoutConsuming() throws {
        // Within the cap but not arrived: the decoder must wait, not reserve 512 MiB.
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer(string: "$536870912\r\nabc")
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 15)
        var arrayBuffer = ByteBuffer(string: "*16777216\r\n:1\r\n")
        #expect(try decoder.decode(buffer: &arrayBuffer) == nil)
    }
}
