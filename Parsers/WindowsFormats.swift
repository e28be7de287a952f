import DwellCore

/// Windows event log formats: binary EVTX and the JSON exports, read into one field model (`WindowsRecord`).
public enum WindowsFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "evtx", family: "windows",
            detection: "binary Windows event log: the file starts with `ElfFile\\0` (any name)",
            sample: "file header, 64 KiB `ElfChnk` chunks of BinXML records (templates and substitutions)",
            priority: 100,
            detect: { sample in EVTXParser.isEVTX(sample.prefix) ? 1000 : 0 },
            make: { _ in .framed(EVTXParser()) }),
        FormatDescriptor(
            name: "windows-json", family: "windows",
            detection:
                "JSON lines naming a Windows event id (`EventID`, `winlog.event_id`) and a channel, computer or host name: Winlogbeat, flat exports (OTRF/NXLog), `evtx_dump -o jsonl`",
            sample:
                #"{"@timestamp":"2020-08-06T05:20:46.753Z","EventID":4624,"Hostname":"WORKSTATION6.theshire.local","Channel":"Security","LogonType":"3","TargetUserName":"pgustavo","IpAddress":"172.18.39.5",…}"#,
            priority: 85,
            detect: { WindowsJSONParser.detectionScore($0) },
            make: { _ in .lines(WindowsJSONParser()) }),
        FormatDescriptor(
            name: "windows-xml", family: "windows",
            detection: "XML `<Event>` documents with an `<EventID>`, one per line (wevtutil /f:xml, ToXml(), dwell's EVTX evidence)",
            sample:
                #"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>4624</EventID>…<Computer>srv1</Computer></System><EventData><Data Name="TargetUserName">bob</Data>…</EventData></Event>"#,
            priority: 85,
            detect: { WindowsXMLParser.detectionScore($0) },
            make: { _ in .lines(WindowsXMLParser()) }),
    ]
}
