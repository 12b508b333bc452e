import Foundation

/// A malformed input file: names the 1-based line and, when known, the column.
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    public var line: Int
    public var column: String?
    public var message: String

    public init(line: Int, column: String? = nil, _ message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "line \(line), column '\(column)': \(message)" }
        return "line \(line): \(message)"
    }
}

/// A small RFC 4180 CSV reader: comma-separated, fields optionally in double quotes (a quote inside a
/// quoted field is doubled), rows ended by LF, CRLF or CR, quoted fields may span lines. A UTF-8 BOM is
/// skipped, blank lines are ignored, and the first non-blank row is the header. No I/O.
public struct CSVTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// The 1-based line on which the row starts.
        public var line: Int
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// Header names, trimmed of surrounding white space.
    public var header: [String]
    public var headerLine: Int
    public var rows: [Row]

    public init(header: [String], headerLine: Int = 1, rows: [Row]) {
        self.header = header
        self.headerLine = headerLine
        self.rows = rows
    }

    /// The index of a header column, matched case-insensitively after trimming white space.
    public func columnIndex(_ name: String) -> Int? {
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        return header.firstIndex { $0.lowercased() == wanted }
    }

    /// Parses CSV text. Throws a `CSVError` for an empty file or an unterminated quoted field.
    public static func parse(_ text: String) throws(CSVError) -> CSVTable {
        var all = try parseRows(Array(text.utf8))
        guard !all.isEmpty else { throw CSVError(line: 1, "empty file: no header row") }
        let head = all.removeFirst()
        return CSVTable(header: head.fields.map { $0.trimmingCharacters(in: .whitespaces) }, headerLine: head.line, rows: all)
    }

    static func parseRows(_ input: [UInt8]) throws(CSVError) -> [Row] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var i = 0
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { i = 3 }
        var rows: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var rowLine = 1
        var inQuotes = false
        var quoteLine = 1
        var sawQuote = false  // the current row had a quoted field, so it is not blank

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRow() {
            endField()
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty && !sawQuote) {
                rows.append(Row(line: rowLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
            sawQuote = false
        }

        while i < input.count {
            let c = input[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < input.count, input[i + 1] == quote {
                        field.append(quote)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if c == lf || (c == cr && !(i + 1 < input.count && input[i + 1] == lf)) { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case quote where field.allSatisfy({ $0 == 0x20 || $0 == 0x09 }):
                // A quote that opens a field (leading blanks before it are dropped).
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                sawQuote = true
                quoteLine = line
            case comma:
                endField()
            case lf, cr:
                if c == cr, i + 1 < input.count, input[i + 1] == lf { i += 1 }
                endRow()
                line += 1
                rowLine = line
            default:
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw CSVError(line: quoteLine, "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || sawQuote { endRow() }
        return rows
    }
}

/// Date-and-time strings as found in CGM and home blood-pressure exports, read as a wall clock in UTC.
public enum CivilTime {
    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z]` (also with `/` between the date parts) into seconds
    /// since 1970-01-01 00:00:00 in the proleptic Gregorian calendar. Any year parses (shifted data sets
    /// use years such as 1900). Returns nil for anything else or an impossible date.
    public static func parse(_ text: String) -> Double? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasSuffix("Z") { s = s.dropLast() }
        let parts = s.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "T" })
        guard let datePart = parts.first else { return nil }
        let sep: Character = datePart.contains("-") ? "-" : "/"
        let d = datePart.split(separator: sep, omittingEmptySubsequences: false)
        guard d.count == 3, d.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
              let year = Int(d[0]), let month = Int(d[1]), let day = Int(d[2]),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        var seconds = 0.0
        if parts.count == 2 {
            let t = parts[1].trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard t.count == 2 || t.count == 3, let h = Int(t[0]), let m = Int(t[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
            var sec = 0.0
            if t.count == 3 {
                guard t[2].first?.isNumber == true, let v = Double(t[2]), v >= 0, v < 61 else { return nil }
                sec = v
            }
            seconds = Double(h * 3600 + m * 60) + sec
        }
        return Double(daysFromCivil(year: year, month: month, day: day)) * 86_400 + seconds
    }

    /// Days since 1970-01-01 (H. Hinnant's days_from_civil).
    public static func daysFromCivil(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day number (days since 1970-01-01) of a time from `parse`.
    public static func dayNumber(_ seconds: Double) -> Int { Int((seconds / 86_400).rounded(.down)) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Rounds to 2 decimal places (half away from zero), as the analytics JSON reports numbers.
public func roundedTo2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
