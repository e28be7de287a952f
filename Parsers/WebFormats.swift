import DwellCore

/// Web access log formats.
public enum WebFormats {
    public static let all: [FormatDescriptor] = []
}
