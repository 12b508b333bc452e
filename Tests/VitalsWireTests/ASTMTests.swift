import Testing
import VitalsCore
@testable import VitalsWire

/// ASTM E1381 frames and E1394 records against lines published by public Contour USB drivers: the header
/// frame in glucometerutils' Contour USB test (`drivers/tests/test_contourusb.py`, a Contour USB 7390 with
/// checksum D7), the result line in the same test, and the result frame quoted in Tidepool uploader's
/// Contour Next driver (`lib/drivers/bayer/bayerContourNext.js`, checksum 74). Checksums are also worked
/// by hand from the E1381 rule.
struct ASTMTests {
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// glucometerutils' Contour USB header, as the meter sent it: EOT, the frame, ENQ.
    static let contourUSBHeaderCapture: [UInt8] = [0x04, 0x02] + ascii("1H|\\^&||7w3LBL|Bayer7390^01.24\\01.04\\09.02.20^7390-2336773^7403-|A=1^C=63^G=1^I=0200^R=0^S=1^U=0^V=10600^X=070070070070180130150250^Y=360126090050099050300089^Z=1|1714||||||1|201909221304") + [0x0D, 0x17] + ascii("D7") + [0x0D, 0x0A, 0x05]
    static var contourUSBHeaderFrame: [UInt8] { Array(contourUSBHeaderCapture.dropFirst().dropLast()) }
    /// Tidepool's Contour Next result frame: `<STX>5R|3|^^^Glucose|93|mg/dL^P||A/M0/T1||201505261150<CR><ETB>74<CR><LF>`.
    static let tidepoolResultFrame: [UInt8] = [0x02] + ascii("5R|3|^^^Glucose|93|mg/dL^P||A/M0/T1||201505261150") + [0x0D, 0x17] + ascii("74") + [0x0D, 0x0A]
    /// glucometerutils' Contour USB result line.
    static let glucometerutilsResult = ascii("R|8|^^^Glucose|133|mg/dL^P||B/X||201202052034")

    // MARK: frames

    @Test func checksumByHand() {
        // "1L|1\r" + ETX: 0x31 + 0x4C + 0x7C + 0x31 + 0x0D + 0x03 = 0x13A → 3A.
        let f = ASTMFrame(number: 1, text: Self.ascii("L|1\r"), isFinal: true)
        #expect(f.checksum == 0x3A)
        #expect(f.encoded == [0x02, 0x31, 0x4C, 0x7C, 0x31, 0x0D, 0x03, 0x33, 0x41, 0x0D, 0x0A])
        #expect(ASTMFrame.checksumDigits(0x0A) == Self.ascii("0A"))
    }

    @Test func publishedContourHeaderFrame() throws {
        let f = try ASTMFrame(bytes: Self.contourUSBHeaderFrame)
        #expect(f.number == 1)
        #expect(!f.isFinal)
        #expect(f.checksum == 0xD7)
        #expect(f.text.last == 0x0D)
        #expect(f.encoded == Self.contourUSBHeaderFrame)
    }

    @Test func publishedTidepoolResultFrame() throws {
        let f = try ASTMFrame(bytes: Self.tidepoolResultFrame)
        #expect(f.number == 5)
        #expect(f.checksum == 0x74)
        #expect(f.encoded == Self.tidepoolResultFrame)
    }

    @Test func badChecksumNamesFieldAndOffset() {
        var b = Self.tidepoolResultFrame
        b[b.count - 3] = 0x35  // "75"
        #expect(throws: WireError.self) { try ASTMFrame(bytes: b) }
        do { _ = try ASTMFrame(bytes: b) } catch {
            #expect(error.field == "C1C2")
            #expect(error.offset == b.count - 4)
            #expect("\(error)".contains("does not match the computed 74"))
        }
    }

    @Test func lowercaseChecksumIsRefused() {
        var b = Self.contourUSBHeaderFrame
        b[b.count - 4] = 0x64  // "d7"
        do { _ = try ASTMFrame(bytes: b); Issue.record("accepted") } catch { #expect(error.field == "C1C2") }
    }

    @Test func truncationSweepNamesFields() {
        let b = Self.tidepoolResultFrame
        for n in 0..<b.count {
            do {
                _ = try ASTMFrame(bytes: Array(b[0..<n]))
                Issue.record("a \(n)-byte prefix decoded")
            } catch {
                #expect(error.reason.isTruncation, "\(n): \(error)")
                #expect(["STX", "FN", "ETB/ETX", "C1C2", "CR", "LF"].contains(error.field), "\(n): \(error)")
                #expect(error.offset <= n)
            }
        }
    }

    @Test func badFrameNumberAndStrayControlBytes() {
        var b = Self.tidepoolResultFrame
        b[1] = 0x38  // '8'
        do { _ = try ASTMFrame(bytes: b); Issue.record("accepted") } catch { #expect(error.field == "FN" && error.offset == 1) }
        var c = Self.tidepoolResultFrame
        c[10] = ASTMControl.enq
        do { _ = try ASTMFrame(bytes: c); Issue.record("accepted") } catch { #expect(error.field == "text" && error.offset == 10) }
    }

    @Test func frameNumbersRollOverAndLongTextContinues() throws {
        let text = [UInt8](repeating: 0x41, count: 240 * 9 + 17)
        let frames = ASTMFrame.frames(for: text)
        #expect(frames.count == 10)
        #expect(frames.map(\.number) == [1, 2, 3, 4, 5, 6, 7, 0, 1, 2])
        #expect(frames.dropLast().allSatisfy { !$0.isFinal && $0.text.count == 240 })
        #expect(frames.last!.isFinal && frames.last!.text.count == 17)
        // Each survives its own encoding, and the texts put together give the message back.
        let decoded = try frames.map { try ASTMFrame(bytes: $0.encoded) }
        #expect(decoded == frames)
        #expect(Array(decoded.map(\.text).joined()) == text)
        #expect(frames[1].encoded[frames[1].encoded.count - 5] == ASTMControl.etb)
    }

    @Test func frameLengthInAStream() {
        let f = Self.tidepoolResultFrame
        #expect(ASTMFrame.length(in: (f + [0x04])[...]) == f.count)
        #expect(ASTMFrame.length(in: f.dropLast()[...]) == nil)
        // A frame cut short by a new STX is sized up to it.
        #expect(ASTMFrame.length(in: ([0x02, 0x31, 0x41] + f)[...]) == 3)
    }

    // MARK: records

    @Test func publishedContourHeaderRecord() throws {
        let f = try ASTMFrame(bytes: Self.contourUSBHeaderFrame)
        let m = try ASTMMessage(text: f.text)
        #expect(m.delimiters == .standard)
        let h = try #require(m.header)
        #expect(h.senderName == ["Bayer7390", "01.24\\01.04\\09.02.20", "7390-2336773", "7403-"])
        #expect(h.accessPassword == "7w3LBL")
        #expect(h.reserved == "1714")
        #expect(h.version == "1")
        #expect(h.processingID == "")
        #expect(h.dateTime == ASTMDateTime(year: 2019, month: 9, day: 22, hour: 13, minute: 4))
        #expect(h.settings["U"] == "0")
        #expect(h.settings["V"] == "10600")
        #expect(h.record.field(5).repeats(m.delimiters).count == 3)
        // Byte for byte back.
        #expect(m.encoded == f.text)
    }

    @Test func publishedResultRecords() throws {
        let r1 = try ASTMResultRecord(ASTMRecord(bytes: Self.glucometerutilsResult, delimiters: .standard), delimiters: .standard)
        #expect(r1.sequence == 8)
        #expect(r1.testID == ["", "", "", "Glucose"])
        #expect(r1.testName == "Glucose")
        #expect(r1.value == "133")
        #expect(r1.units == ["mg/dL", "P"])
        #expect(r1.abnormalFlags == "B/X")
        #expect(r1.testTime == ASTMDateTime(year: 2012, month: 2, day: 5, hour: 20, minute: 34))
        #expect(r1.record.encoded(.standard) == Self.glucometerutilsResult)

        let f = try ASTMFrame(bytes: Self.tidepoolResultFrame)
        let rec = try ASTMRecord(bytes: Array(f.text.dropLast()), delimiters: .standard)
        let r2 = try ASTMResultRecord(rec, delimiters: .standard)
        #expect(r2.sequence == 3 && r2.value == "93" && r2.abnormalFlags == "A/M0/T1")
        #expect(r2.testTime?.description == "201505261150")
    }

    @Test func builtRecordsMatchTheContourLayout() {
        let r = ASTMResultRecord(
            sequence: 8, testID: ["", "", "", "Glucose"], value: "133", units: ["mg/dL", "P"], abnormalFlags: "B/X",
            completed: ASTMDateTime("201202052034"), contourLayout: true)
        #expect(r.record.encoded(.standard) == Self.glucometerutilsResult)
        let standard = ASTMResultRecord(sequence: 1, testID: ["", "", "", "GLU"], value: "5.6", units: ["mmol/L"], status: "F", completed: ASTMDateTime("20250314073000"))
        #expect(String(decoding: standard.record.encoded(.standard), as: UTF8.self) == "R|1|^^^GLU|5.6|mmol/L||||F||||20250314073000")
        #expect(standard.testTime?.second == 0 && standard.status == "F")
    }

    @Test func escapesAndOtherDelimiters() throws {
        let f = ASTMField(text: "a|b^c\\d&e", delimiters: .standard)
        #expect(f.description == "a&F&b&S&c&R&d&E&e")
        #expect(f.text(.standard) == "a|b^c\\d&e")
        // A header that declares other delimiters is read with them.
        let m = try ASTMMessage(text: Self.ascii("H!@#$!!!!Meter#1\rP!1\rR!1!###Glucose!101!mg/dL\rL!1\r"))
        #expect(m.delimiters.field == 0x21 && m.delimiters.component == 0x23)
        #expect(m.results.first?.testName == "Glucose")
        #expect(m.isTerminated)
    }

    @Test func messageErrorsNameFieldAndOffset() {
        func error(_ s: String) -> WireError? {
            do { _ = try ASTMMessage(text: Self.ascii(s)); return nil } catch { return error }
        }
        #expect(error("P|1\r")?.field == "header")
        #expect(error("H|\\^")?.field == "delimiter definition")
        let e = error("H|\\^&\rP|1\rR|x|^^^Glucose|1|mg/dL\r")
        #expect(e?.field == "R sequence number")
        #expect(e?.offset == 12)  // "H|\^&\r" 6 + "P|1\r" 4 + "R|" 2
        let g = error("H|\\^&\r\u{7F}R|1\r")
        #expect(g?.field == "record type ID" && g?.offset == 6)
        #expect(error("") != nil)
    }

    @Test func manyMessagesSplitAtHeaders() throws {
        let t = Self.ascii("H|\\^&\rL|1\rH|\\^&\rR|1|^^^Glucose|90|mg/dL\rL|1\r")
        let ms = try ASTMMessage.messages(text: t)
        #expect(ms.count == 2)
        #expect(ms[1].results.count == 1)
        do { _ = try ASTMMessage.messages(text: Self.ascii("H|\\^&\rL|1\rH|\\^&\rR|z\r")) } catch {
            #expect(error.offset == 18)
        }
    }

    @Test func dateTimes() {
        #expect(ASTMDateTime("20190922")?.hour == nil)
        #expect(ASTMDateTime("201909221304")?.description == "201909221304")
        #expect(ASTMDateTime("20190922130459")?.deviceTime == DeviceTime(year: 2019, month: 9, day: 22, hour: 13, minute: 4, second: 59))
        #expect(ASTMDateTime("201913221304") == nil)
        #expect(ASTMDateTime("F") == nil)
    }

    /// Contour HID reports: "ABC", a length, the data, zero padding to 64 bytes (the layout public Contour
    /// drivers write); the host's wake-up EOT as one report, and a 130-byte frame as three.
    @Test func contourHIDReports() throws {
        let eot = ContourHIDReport(data: [0x04]).encoded
        #expect(eot.count == 64 && Array(eot.prefix(5)) == [0x41, 0x42, 0x43, 0x01, 0x04] && eot.dropFirst(5).allSatisfy { $0 == 0 })
        #expect(try ContourHIDReport(bytes: eot).data == [0x04])
        let frame = (0..<130).map { UInt8(0x20 + $0 % 90) }
        let reports = ContourHIDReport.reports(for: frame)
        #expect(reports.map(\.data.count) == [60, 60, 10] && reports.flatMap(\.data) == frame)
        var bad = eot
        bad[3] = 61
        do {
            _ = try ContourHIDReport(bytes: bad)
            Issue.record("a length over 60 decoded")
        } catch {
            #expect(error.field == "length" && error.offset == 3)
        }
        do {
            _ = try ContourHIDReport(bytes: [0x41, 0x42, 0x43, 0x05, 0x31])
            Issue.record("a short report decoded")
        } catch {
            #expect(error.field == "data" && error.offset == 4)
        }
    }
}
