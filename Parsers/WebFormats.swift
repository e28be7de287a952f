import DwellCore

/// Web access log formats.
public enum WebFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "combined", family: "web",
            detection:
                "Apache/Nginx access log (common, combined, vhost_combined, extra trailing fields): trial parse of the sample lines",
            sample:
                #"203.0.113.9 - - [08/Jun/2020:06:49:01 +0000] "GET /index.php?id=1 HTTP/1.1" 200 803 "-" "curl/8.0""#,
            priority: 40,
            make: { _ in .lines(CombinedLogParser()) }),
        FormatDescriptor(
            name: "apache-error", family: "web",
            detection: "Apache error log (`[Www Mmm dd hh:mm:ss yyyy] [level] [client A]`): trial parse",
            sample: "[Sun Jun 09 07:57:47 2013] [error] [client 192.0.43.10] File does not exist: /var/www/x.php",
            priority: 45,
            make: { _ in .lines(ApacheErrorLogParser()) }),
        FormatDescriptor(
            name: "nginx-error", family: "web",
            detection: "Nginx error log (`yyyy/mm/dd hh:mm:ss [level] pid#tid: …, client: A`): trial parse",
            sample:
                #"2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz" was not found in "/etc/nginx/.htpasswd", client: 192.0.43.10, server: www.example.com, request: "GET / HTTP/1.1", host: "www.example.com""#,
            priority: 45,
            make: { _ in .lines(NginxErrorLogParser()) }),
        FormatDescriptor(
            name: "w3c", family: "web",
            detection: "W3C extended log (IIS): `#Fields:` header, or IIS default fields on lines starting with a date",
            sample:
                "2021-04-01 00:00:21 10.0.0.5 GET /foo/bar.asp id=1 80 - 203.0.113.9 Mozilla/5.0+(Windows+NT+5.1) - 200 0 0 65",
            priority: 50,
            make: { _ in .lines(W3CParser()) }),
        FormatDescriptor(
            name: "apache-custom", family: "web",
            detection: "only with --web-format: trial parse with the given Apache LogFormat string",
            sample: #"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D"#,
            priority: 90,
            make: { options in .lines(ApacheLogFormatParser(format: options.webFormat)) }),
        FormatDescriptor(
            name: "json-access", family: "web",
            detection:
                "JSON lines with access-log keys (Nginx `remote_addr`/`request_uri`, Caddy `http.log.access`, Traefik, GCP `httpRequest`)",
            sample:
                #"{"time_iso8601":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.9","request":"GET /a?b=1 HTTP/1.1","status":200,"body_bytes_sent":512,"http_user_agent":"curl/8.0"}"#,
            priority: 70,
            detect: { JSONAccessLogParser.detect($0) },
            make: { _ in .lines(JSONAccessLogParser()) }),
        FormatDescriptor(
            name: "aws-alb", family: "web",
            detection:
                "AWS Application Load Balancer access log (listener type, ISO 8601 time, LB name, client:port …; any number of trailing fields): trial parse, half the sample lines or more",
            sample:
                #"https 2026-03-11T19:21:41.512345Z app/web-lb/50dc6c495c0c9188 203.0.113.45:51234 10.0.1.20:80 0.001 0.042 0.000 200 200 243 1822 "GET https://shop.example.com:443/login?next=%2F HTTP/1.1" "curl/8.4.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-65ef5c35-2b1a0c7d4e5f60718293a4b5" "shop.example.com" "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-03-11T19:21:41.469000Z "forward" "-" "-" "10.0.1.20:80" "200" "-" "-" TID_1234abcd"#,
            priority: 60,
            detect: { ELBAccessLogParser.detect($0, variant: .application) },
            make: { _ in .lines(ELBAccessLogParser(variant: .application)) }),
        FormatDescriptor(
            name: "aws-elb-classic", family: "web",
            detection:
                "AWS Classic Load Balancer access log (ISO 8601 time, LB name, client:port backend:port, three processing times …): trial parse, half the sample lines or more",
            sample:
                #"2026-03-11T19:21:41.512345Z web-lb 203.0.113.45:51234 10.0.1.20:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://shop.example.com:80/ HTTP/1.1" "curl/8.4.0" - -"#,
            priority: 60,
            detect: { ELBAccessLogParser.detect($0, variant: .classic) },
            make: { _ in .lines(ELBAccessLogParser(variant: .classic)) }),
    ]
}
