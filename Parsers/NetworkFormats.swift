import DwellCore

/// Network log formats.
public enum NetworkFormats {
    public static let all: [FormatDescriptor] = []
}
