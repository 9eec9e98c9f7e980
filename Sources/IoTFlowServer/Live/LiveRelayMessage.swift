import IoTFlowCore

/// What one instance tells the others on the relay channel, and its text form: a header line with the sending
/// instance and the kind, then one line per item. Frames are JSON written without raw line breaks (control
/// characters are escaped), so lines split them safely.
///
/// ```
/// <instance>\np\n<device id>\t<frame>\n…     committed points, one frame per point
/// <instance>\na\n<device id>\t<owner public id>\t<frame>   an alert
/// <instance>\nc\n<subject>\n…                  access changes (LiveSubject.text)
/// <instance>\nh\n                             an instance started listening
/// ```
enum LiveRelayMessage: Sendable {
    /// Committed writes, turned into frames by the relay's task rather than by the publisher.
    case points([TelemetryWrite])
    /// Telemetry frames per device, as received.
    case frames([(deviceID: Int64, frames: [String])])
    /// An alert frame and where it goes.
    case alert(frame: String, deviceID: Int64, ownerPublicID: String)
    /// Access changes.
    case changes([LiveSubject])
    /// The sender started listening (so the others publish points again).
    case hello

    /// The text published for `instance`; nil when there is nothing to send (writes without stored values).
    func text(instance: String) -> String? {
        var text = instance
        switch self {
        case .points(let writes):
            return Self.frames(LiveFrame.telemetry(of: writes)).text(instance: instance)
        case .frames(let devices):
            guard devices.contains(where: { !$0.frames.isEmpty }) else { return nil }
            text += "\np"
            for (deviceID, frames) in devices {
                for frame in frames { text += "\n\(deviceID)\t\(frame)" }
            }
        case .alert(let frame, let deviceID, let owner):
            text += "\na\n\(deviceID)\t\(owner)\t\(frame)"
        case .changes(let subjects):
            guard !subjects.isEmpty else { return nil }
            text += "\nc"
            for subject in subjects { text += "\n\(subject.text)" }
        case .hello:
            text += "\nh\n"
        }
        return text
    }

    /// The sending instance of a message, read without the rest (an instance skips its own messages unread).
    static func sender(of text: String) -> Substring? {
        text.firstIndex(of: "\n").map { text[..<$0] }
    }

    /// Reads a message: the sending instance and what it said; nil for anything malformed.
    static func parse(_ text: String) -> (instance: Substring, message: LiveRelayMessage)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { return nil }
        let body = lines.dropFirst(2)
        switch lines[1] {
        case "p":
            var devices: [(deviceID: Int64, frames: [String])] = []
            for line in body {
                guard let tab = line.firstIndex(of: "\t"), let deviceID = Int64(line[..<tab]) else { return nil }
                let frame = String(line[line.index(after: tab)...])
                if let last = devices.last, last.deviceID == deviceID {
                    devices[devices.count - 1].frames.append(frame)
                } else {
                    devices.append((deviceID, [frame]))
                }
            }
            return (lines[0], .frames(devices))
        case "a":
            let fields = body.joined(separator: "\n").split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let deviceID = Int64(fields[0]) else { return nil }
            return (lines[0], .alert(frame: String(fields[2]), deviceID: deviceID, ownerPublicID: String(fields[1])))
        case "h":
            return (lines[0], .hello)
        case "c":
            let subjects = body.compactMap { LiveSubject(text: $0) }
            guard subjects.count == body.count else { return nil }
            return (lines[0], .changes(subjects))
        default:
            return nil
        }
    }
}
