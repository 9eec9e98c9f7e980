/// `POST /devices/register`: a new device of the calling user; the service trims and checks lengths.
public struct RegisterDevice: Sendable {
    /// Unique per owner, at most 100 bytes.
    public var name: String
    /// At most 50 bytes.
    public var deviceType: String
    /// Free text.
    public var description: String?
    /// Free text.
    public var location: String?
    /// Free text.
    public var firmwareVersion: String?
    /// Free text.
    public var hardwareVersion: String?

    /// Creates the command.
    public init(
        name: String, deviceType: String, description: String? = nil, location: String? = nil, firmwareVersion: String? = nil,
        hardwareVersion: String? = nil
    ) {
        self.name = name
        self.deviceType = deviceType
        self.description = description
        self.location = location
        self.firmwareVersion = firmwareVersion
        self.hardwareVersion = hardwareVersion
    }
}

/// `PUT /devices/{id}` (owner) and `PUT /admin/devices/{id}` (admin, status included).
public struct DeviceUpdate: Sendable {
    /// New name; null or empty is 400.
    public var name: FieldChange<String> = .unchanged
    /// New type; null or empty is 400.
    public var deviceType: FieldChange<String> = .unchanged
    /// New description; null or empty clears it.
    public var description: FieldChange<String> = .unchanged
    /// New location; null or empty clears it.
    public var location: FieldChange<String> = .unchanged
    /// New firmware version; null or empty clears it.
    public var firmwareVersion: FieldChange<String> = .unchanged
    /// New hardware version; null or empty clears it.
    public var hardwareVersion: FieldChange<String> = .unchanged
    /// New status, by name (admin route only; the owner route answers 400 when it is sent).
    public var status: FieldChange<String> = .unchanged

    /// An update that changes nothing yet.
    public init() {}
}

/// `PUT /devices/config`: what a device may change about itself.
public struct DeviceSelfUpdate: Sendable {
    /// New status, by name.
    public var status: FieldChange<String> = .unchanged
    /// New location; null or empty clears it.
    public var location: FieldChange<String> = .unchanged
    /// New firmware version; null or empty clears it.
    public var firmwareVersion: FieldChange<String> = .unchanged
    /// New hardware version; null or empty clears it.
    public var hardwareVersion: FieldChange<String> = .unchanged
    /// A configuration document replacing the current one (at most 64 KiB of JSON).
    public var config: FieldChange<JSONObject> = .unchanged

    /// An update that changes nothing yet.
    public init() {}
}

/// Filters of a device list.
public struct DeviceFilter: Sendable, Equatable {
    /// Only devices in this status (by name; an unknown name is 400).
    public var status: String?
    /// Only devices of this type.
    public var deviceType: String?
    /// Only devices of this owner (public user id; admin list only).
    public var ownerPublicID: String?
    /// The page.
    public var page: PageRequest

    /// Creates the filter.
    public init(status: String? = nil, deviceType: String? = nil, ownerPublicID: String? = nil, page: PageRequest = PageRequest()) {
        self.status = status
        self.deviceType = deviceType
        self.ownerPublicID = ownerPublicID
        self.page = page
    }
}
