import Foundation
import VitalsCore
import VitalsValidation

/// Settings of the streaming analytics (docs/analytics-streaming.md).
public struct StreamingConfiguration: Hashable, Sendable, Codable {
    /// Readings measured longer ago than this (before `now`) are backfill: recorded as historical events,
    /// never raised as live alerts.
    public var liveHorizon: Double
    /// How far out of event-time order a reading may arrive and still be put in order (the watermark is the
    /// largest event time seen minus this). Live order-sensitive detectors (CGM episodes) lag by at most it.
    public var allowedLateness: Double
    /// An open live alert nobody acknowledged is escalated after this long (and again after as long).
    public var escalateAfter: Double
    public var maxEscalations: Int
    /// CGM rate of change is the least-squares slope over this span.
    public var rateWindow: Double
    /// Predicted low: linear projection this far ahead.
    public var predictionHorizon: Double

    public init(liveHorizon: Double = 3600, allowedLateness: Double = 0, escalateAfter: Double = 15 * 60, maxEscalations: Int = 2,
                rateWindow: Double = 15 * 60, predictionHorizon: Double = 30 * 60) {
        self.liveHorizon = liveHorizon
        self.allowedLateness = allowedLateness
        self.escalateAfter = escalateAfter
        self.maxEscalations = maxEscalations
        self.rateWindow = rateWindow
        self.predictionHorizon = predictionHorizon
    }
}

/// A reading as the streaming core sees it. `spotAlerts` are the per-reading rule results (`AlertRules`)
/// for spot streams (meters, cuffs); CGM streams are judged over time instead.
public struct StreamInput: Hashable, Sendable, Codable {
    public var key: StreamKey
    public var time: Date
    /// Glucose in mg/dL, or systolic mmHg.
    public var value: Double
    /// Diastolic mmHg for blood pressure.
    public var secondary: Double?
    public var device: String
    /// device|kind|natural key of the reading.
    public var evidenceKey: String
    public var medical: Bool
    public var grade: String
    public var spotAlerts: [Alert]
    /// A measurement the device itself doubts (a cuff's body movement, loose cuff, improper position): it may
    /// raise a (downgraded) alert but never ends one. nil is false.
    public var doubtful: Bool?

    public init(key: StreamKey, time: Date, value: Double, secondary: Double? = nil, device: String, evidenceKey: String,
                medical: Bool, grade: String, spotAlerts: [Alert] = [], doubtful: Bool = false) {
        self.key = key
        self.time = time
        self.value = value
        self.secondary = secondary
        self.device = device
        self.evidenceKey = evidenceKey
        self.medical = medical
        self.grade = grade
        self.spotAlerts = spotAlerts
        self.doubtful = doubtful ? true : nil
    }

    public static let cgm = "glucose.cgm"
    public static let spotGlucose = "glucose.spot"
    public static let bloodPressure = "bp"

    /// The stream input for a stored reading, or nil when it is not analysed (other kinds, or a reading that
    /// is not a trustworthy measurement: control solution, special values, implausible). A glucose result the
    /// device could not measure is censored, not dropped: LOW is −∞ (below every threshold), HIGH +∞.
    public static func from(_ r: Reading, rules: AlertRules = AlertRules(), now: Date) -> StreamInput? {
        guard r.isAnalysable else { return nil }
        func make(_ metric: String, _ v: Double, _ v2: Double?, spot: Bool) -> StreamInput {
            StreamInput(key: StreamKey(subject: r.subject.rawValue, metric: metric), time: r.effectiveTime, value: v, secondary: v2,
                        device: r.device.id.rawValue, evidenceKey: AlertPolicy.evidenceKey(r), medical: r.grade.isMedical, grade: r.grade.rawValue,
                        spotAlerts: spot ? rules.evaluate(r, now: now) : [], doubtful: !AlertPolicy.canResolve(flags: r.flags))
        }
        switch r.kind {
        case .bloodPressure:
            guard let s = r.observation(.systolic)?.value, let d = r.observation(.diastolic)?.value else { return nil }
            return make(bloodPressure, s, d, spot: true)
        case .glucose:
            guard let o = r.observations.first(where: { $0.unit == .milligramPerDecilitre }) else { return nil }
            let v: Double
            switch o.state {
            case .number:
                guard let n = o.value else { return nil }
                v = n
            case .negativeInfinity: v = -.infinity
            case .positiveInfinity: v = .infinity
            default: return nil
            }
            let isCGM = o.metric.mdc == Metric.glucoseInterstitial.mdc
            return make(isCGM ? cgm : spotGlucose, v, nil, spot: !isCGM)
        default: return nil
        }
    }
}

/// What one step of the core produced.
public struct StreamOutput: Sendable, Hashable {
    public var transitions: [AlertTransition] = []
    /// Inputs that arrived after the watermark had passed them (still applied to per-reading rules).
    public var late = 0
    /// Inputs handled as backfill (older than the live horizon).
    public var historical = 0
    public init() {}
}

/// The rules the streaming core applies, with their guideline.
public enum StreamingRules {
    public static let hypoEpisodeID = "glucose.hypoglycaemia-episode"
    public static let hypoEpisodeCitation = "Danne et al., Diabetes Care 2017;40:1631 and Battelino et al., Diabetes Care 2019;42:1593: a CGM hypoglycaemia event is ≥ 15 consecutive minutes below the threshold and ends after ≥ 15 minutes at or above it; levels per ADA Standards of Care §6 (level 1 < 70, level 2 < 54 mg/dL)"
    public static let fallingFastID = "glucose.falling-fast"
    public static let fallingFastCitation = "Dexcom trend arrows (user manual): single down arrow 2–3 mg/dL/min, double arrow > 3 mg/dL/min, over the last 15–20 min"
    public static let predictedLowID = "glucose.predicted-low"
    public static let predictedLowCitation = "Predictive low-glucose alerts: linear projection of the CGM trend 20–30 min ahead below 70 mg/dL (as in the Dexcom G6 'Urgent Low Soon' 20-min projection and predictive low-glucose suspend systems, Forlenza et al., Diabetes Technol Ther 2018;20:1)"
    /// Value hysteresis of the spot rules: an open alert ends only on a reading clearly past its threshold, by
    /// more than a device's own error (ISO 81060-2 lets a cuff's error have an SD of 8 mmHg; ISO 15197 lets a
    /// meter be 15 mg/dL off below 100 mg/dL, half of which is the band here), so one reading at the boundary
    /// (180/120, 70 mg/dL) never ends an episode.
    public static let crisisResolvedBelow = (systolic: 170.0, diastolic: 110.0)
    public static let hypoResolvedAtOrAbove = 80.0
    public static let crisisResolution = "a later reading is below 170/110 mmHg, clear of the hypertensive-crisis thresholds (ACC/AHA 2017: > 180 and/or > 120)"
    public static let hypoResolution = "a later reading is at or above 80 mg/dL, clear of the 70 mg/dL hypoglycaemia threshold (ADA Standards of Care §6)"
    public static let backfillDetail = "backfill: measured before the live horizon"

    static func fmt(_ v: Double) -> String {
        guard v.isFinite else { return v < 0 ? "LOW" : "HIGH" }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// "lowest 48 mg/dL", or for a sensor that read LOW, that it did.
    static func lowest(_ v: Double) -> String { v.isFinite ? "lowest \(fmt(v)) mg/dL" : "the sensor read LOW, below what it can measure" }
}

/// The consensus hypoglycaemia episode detector for one CGM stream, at both levels at once; the same rules as
/// `GlucoseMetrics.hypoEpisodes` (a gap of more than 30 minutes ends the run and any episode). It reports
/// where episodes start; `above[0]` says since when readings have been at or above 70 mg/dL (nil while below,
/// and counted afresh after a gap), which is what ends an alert.
struct HypoTracker: Hashable, Sendable, Codable {
    var previous: Double?
    var below = [Double?](repeating: nil, count: 2)
    var above = [Double?](repeating: nil, count: 2)
    var inEpisode = [false, false]
    var runStartKey: String?
    var runStartTime: Double?
    var nadir = Double.infinity
    var alertID: String?

    enum Step: Equatable { case start1, start2 }

    mutating func step(time t: Double, value v: Double, key: String) -> [Step] {
        var out: [Step] = []
        if let p = previous, t - p > GlucoseMetrics.maxGapSeconds {
            let id = alertID
            self = HypoTracker()
            alertID = id
        }
        previous = t
        for (level, threshold) in [GlucoseMetrics.level1Threshold, GlucoseMetrics.level2Threshold].enumerated() {
            if v < threshold {
                above[level] = nil
                if below[level] == nil, level == 0 {
                    runStartKey = key
                    runStartTime = t
                    if !inEpisode[0] { nadir = .infinity }
                }
                if level == 0 { nadir = min(nadir, v) }
                let start = below[level] ?? t
                below[level] = start
                if !inEpisode[level], t - start >= GlucoseMetrics.episodeSeconds {
                    inEpisode[level] = true
                    out.append(level == 0 ? .start1 : .start2)
                }
            } else {
                below[level] = nil
                let start = above[level] ?? t
                above[level] = start
                if inEpisode[level], t - start >= GlucoseMetrics.episodeSeconds { inEpisode[level] = false }
            }
        }
        return out
    }
}

/// Per stream and lane (live or backfill): the reorder buffer and the detectors' state.
struct Lane: Sendable, Codable {
    var buffer: ReorderBuffer<StreamInput>
    var hypo = HypoTracker()
    /// Open spot alert (crisis or meter hypoglycaemia) of this stream.
    var spotAlertID: String?
    /// Recent CGM samples for the rate of change.
    var recent: [StreamSample] = []
    var trendAlertID: String?
}

/// The streaming analytics core: routes each input to its stream's live or backfill lane, orders it by event
/// time, runs the detectors and drives each alert through `AlertLifecycle`. Pure; Codable as a whole.
public struct StreamingAnalytics: Sendable, Codable {
    public var configuration: StreamingConfiguration
    var live: [StreamKey: Lane] = [:]
    var backfill: [StreamKey: Lane] = [:]
    /// Alerts not yet resolved (live), and backfill events whose episode may still grow.
    public internal(set) var open: [String: Alert] = [:]
    var medical: [String: Bool] = [:]
    public internal(set) var processed = 0
    public internal(set) var lateTotal = 0
    /// Where in its input log this state stands: the caller's position of the last input taken in (the hub uses the
    /// store's reading row id), saved with the state so a restart takes in again only what came after. Nil in a
    /// state saved before positions were kept.
    public var inputPosition: Int64?

    public init(configuration: StreamingConfiguration = StreamingConfiguration()) { self.configuration = configuration }

    /// Live alerts that are neither resolved nor historical.
    public var openLiveAlerts: [Alert] { open.values.filter { !$0.historical && $0.state != .resolved }.sorted { $0.id < $1.id } }

    /// Feeds inputs (in any order); returns the alert transitions they cause.
    public mutating func process(_ inputs: [StreamInput], now: Date) -> StreamOutput {
        var out = StreamOutput()
        let horizon = now.timeIntervalSince1970 - configuration.liveHorizon
        // Stable event-time order within a batch: a two-week upload is replayed in order through its lane.
        let ordered = inputs.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        for x in ordered {
            processed += 1
            let t = x.time.timeIntervalSince1970
            let historical = t < horizon
            if historical { out.historical += 1 }
            var lane = (historical ? backfill[x.key] : live[x.key]) ?? Lane(buffer: ReorderBuffer(allowedLateness: historical ? 0 : configuration.allowedLateness))
            let (released, late) = lane.buffer.insert(x, at: t)
            if late {
                out.late += 1
                lateTotal += 1
                // Order-insensitive rules still see a late reading; the episode detectors do not.
                if x.key.metric != StreamInput.cgm { handle(x, lane: &lane, historical: historical, now: now, out: &out.transitions) }
            }
            for r in released { handle(r, lane: &lane, historical: historical, now: now, out: &out.transitions) }
            if historical { backfill[x.key] = lane } else { live[x.key] = lane }
        }
        return out
    }

    /// Processing-time step: moves idle live streams' watermarks to `now` (releasing what they held) and
    /// escalates open live alerts nobody acknowledged within `escalateAfter`.
    public mutating func tick(now: Date) -> StreamOutput {
        var out = StreamOutput()
        let t = now.timeIntervalSince1970
        for key in live.keys.sorted() {
            var lane = live[key]!
            for r in lane.buffer.advance(to: t - configuration.allowedLateness) {
                handle(r, lane: &lane, historical: false, now: now, out: &out.transitions)
            }
            live[key] = lane
        }
        for id in open.keys.sorted() {
            guard var a = open[id], !a.historical, a.state == .raised || a.state == .updated,
                  a.escalations < configuration.maxEscalations,
                  t - (a.updatedAt ?? a.raisedAt).timeIntervalSince1970 >= configuration.escalateAfter else { continue }
            let cap = AlertPolicy.escalationCap(medical: medical[id] ?? true)
            if let tr = AlertLifecycle.apply(.escalate(cap: cap), to: &a, at: now) {
                open[id] = a
                out.transitions.append(tr)
            }
        }
        return out
    }

    /// Acknowledges an open live alert (escalation stops; resolution still follows the data).
    public mutating func acknowledge(_ id: String, at now: Date) -> AlertTransition? {
        guard var a = open[id], let tr = AlertLifecycle.apply(.acknowledge, to: &a, at: now) else { return nil }
        open[id] = a
        return tr
    }

    // MARK: - Detectors

    mutating func handle(_ x: StreamInput, lane: inout Lane, historical: Bool, now: Date, out: inout [AlertTransition]) {
        switch x.key.metric {
        case StreamInput.cgm: handleCGM(x, lane: &lane, historical: historical, now: now, out: &out)
        default: handleSpot(x, lane: &lane, historical: historical, now: now, out: &out)
        }
    }

    mutating func start(_ a: Alert, medical isMedical: Bool, historical: Bool, now: Date, out: inout [AlertTransition]) {
        var a = a
        a.historical = historical
        a.state = historical ? .resolved : .raised
        a.raisedAt = now
        a.updatedAt = now
        a.evidenceFrom = a.evidenceFrom ?? a.effectiveTime
        a.evidenceTo = a.evidenceTo ?? a.effectiveTime
        open[a.id] = a
        medical[a.id] = isMedical
        out.append(AlertTransition(kind: historical ? .recorded : .raised, alert: a, at: now, eventTime: a.effectiveTime,
                                   detail: historical ? StreamingRules.backfillDetail : ""))
    }

    mutating func close(_ id: String?, eventTime: Date, reason: String, now: Date, out: inout [AlertTransition]) {
        guard let id, var a = open[id] else { return }
        if let tr = AlertLifecycle.apply(.resolve(eventTime: eventTime, reason: reason), to: &a, at: now) { out.append(tr) }
        if a.historical, let tr = historicalSnapshot(a, now: now, eventTime: eventTime, detail: "episode ended: \(reason)") { out.append(tr) }
        open[id] = nil
        medical[id] = nil
    }

    /// A historical event's final span, recorded once when its episode ends.
    func historicalSnapshot(_ a: Alert, now: Date, eventTime: Date, detail: String) -> AlertTransition? {
        AlertTransition(kind: .recorded, alert: a, at: now, eventTime: eventTime, detail: detail)
    }

    /// Meter glucose and blood pressure: per-reading rules raise; a worse reading updates the open alert; a later
    /// reading clearly clear of the thresholds (`crisisResolvedBelow`, `hypoResolvedAtOrAbove`) resolves it. Only
    /// evidence measured after the alert's evidence and, for a live alert, after the alert was raised ends it:
    /// an earlier reading in the same download cannot show the person recovered from what the alert told them.
    /// A doubtful reading never ends it; a reading between the thresholds leaves it as it is.
    mutating func handleSpot(_ x: StreamInput, lane: inout Lane, historical: Bool, now: Date, out: inout [AlertTransition]) {
        let worst = x.spotAlerts.max { $0.severity < $1.severity }
        if let id = lane.spotAlertID, var a = open[id] {
            if let w = worst {
                let event: LifecycleEvent = w.severity > a.severity
                    ? .deepen(severity: w.severity, ruleID: w.ruleID, message: w.message, citation: w.citation, evidenceTo: x.time)
                    : .extend(evidenceTo: x.time)
                if let tr = AlertLifecycle.apply(event, to: &a, at: now) { out.append(tr) }
                open[id] = a
            } else if x.doubtful != true, x.time > (a.evidenceTo ?? a.effectiveTime), a.historical || x.time > a.raisedAt,
                      let reason = Self.spotRecovery(x) {
                close(id, eventTime: x.time, reason: reason, now: now, out: &out)
                lane.spotAlertID = nil
            }
        } else if let w = worst {
            start(w, medical: x.medical, historical: historical, now: now, out: &out)
            lane.spotAlertID = w.id
        }
    }

    /// Why this reading ends its stream's open spot alert, or nil when it is not clear of the threshold.
    static func spotRecovery(_ x: StreamInput) -> String? {
        if x.key.metric == StreamInput.bloodPressure {
            let limit = StreamingRules.crisisResolvedBelow
            return x.value < limit.systolic && (x.secondary ?? .infinity) < limit.diastolic ? StreamingRules.crisisResolution : nil
        }
        return x.value >= StreamingRules.hypoResolvedAtOrAbove ? StreamingRules.hypoResolution : nil
    }

    func capped(_ s: AlertSeverity, _ message: String, _ x: StreamInput) -> (AlertSeverity, String) {
        AlertPolicy.capped(s, message, medical: x.medical, grade: x.grade)
    }

    /// CGM hypoglycaemia: the episode detector raises (level 1 after 15 minutes below 70, deepened to level 2
    /// after 15 minutes below 54). The alert ends only on recovery: 15 minutes of readings at or above 70 mg/dL
    /// (the consensus end of an event), the last of them measured after the alert was raised. A data gap is not
    /// recovery: the alert stays open through it (and escalates if nobody acknowledges it), and if the
    /// readings after the gap are still low, the same alert goes on.
    mutating func handleCGM(_ x: StreamInput, lane: inout Lane, historical: Bool, now: Date, out: inout [AlertTransition]) {
        let t = x.time.timeIntervalSince1970
        for step in lane.hypo.step(time: t, value: x.value, key: x.evidenceKey) {
            switch step {
            case .start1:
                if let id = lane.hypo.alertID, open[id] != nil { continue }  // the open alert goes on
                let startKey = lane.hypo.runStartKey ?? x.evidenceKey
                let from = Date(timeIntervalSince1970: lane.hypo.runStartTime ?? t)
                let (sev, msg) = capped(.urgent, "Glucose has been below 70 mg/dL for at least 15 minutes (level-1 hypoglycaemia, \(StreamingRules.lowest(lane.hypo.nadir))). Take fast-acting carbohydrate and re-check in 15 minutes.", x)
                let a = Alert(id: "\(StreamingRules.hypoEpisodeID)/\(startKey)", ruleID: AlertRules.hypoglycaemiaLevel1.id,
                              subject: SubjectID(x.key.subject), device: DeviceID(rawValue: x.device), severity: sev, message: msg,
                              citation: StreamingRules.hypoEpisodeCitation, raisedAt: now, effectiveTime: from, evidenceKey: startKey,
                              evidenceFrom: from, evidenceTo: x.time)
                lane.hypo.alertID = a.id
                start(a, medical: x.medical, historical: historical, now: now, out: &out)
            case .start2:
                guard let id = lane.hypo.alertID, var a = open[id], a.ruleID != AlertRules.hypoglycaemiaLevel2.id else { continue }
                let (sev, msg) = capped(.critical, "Glucose has been below 54 mg/dL for at least 15 minutes (level-2 hypoglycaemia, \(StreamingRules.lowest(lane.hypo.nadir))). Treat with fast-acting carbohydrate now and re-check in 15 minutes.", x)
                if let tr = AlertLifecycle.apply(.deepen(severity: sev, ruleID: AlertRules.hypoglycaemiaLevel2.id, message: msg, citation: StreamingRules.hypoEpisodeCitation, evidenceTo: x.time), to: &a, at: now) {
                    out.append(tr)
                } else if !x.medical {
                    // Capped at advisory: the rule still moves to level 2 in the record.
                    a.ruleID = AlertRules.hypoglycaemiaLevel2.id
                    a.message = msg
                }
                open[id] = a
            }
        }
        // The open alert ends on recovery (15 minutes at or above 70 since the last low or gap), never on a gap.
        if let id = lane.hypo.alertID, var a = open[id] {
            if let since = lane.hypo.above[0] {
                if t - since >= GlucoseMetrics.episodeSeconds, a.historical || x.time > a.raisedAt {
                    close(id, eventTime: x.time, reason: "≥ 15 minutes at or above 70 mg/dL", now: now, out: &out)
                    lane.hypo.alertID = nil
                }
            } else {
                _ = AlertLifecycle.apply(.extend(evidenceTo: x.time), to: &a, at: now)
                open[id] = a
            }
        }
        trend(x, lane: &lane, historical: historical, now: now, out: &out)
    }

    /// CGM rate of change (least-squares slope over `rateWindow`) and the predicted low (linear projection
    /// `predictionHorizon` ahead below 70 mg/dL), outside a hypoglycaemia episode. One trend alert at a time,
    /// resolved when the projection is back at or above 70 and the fall is slower than 2 mg/dL/min.
    mutating func trend(_ x: StreamInput, lane: inout Lane, historical: Bool, now: Date, out: inout [AlertTransition]) {
        let t = x.time.timeIntervalSince1970
        // A censored LOW or HIGH has no value to fit a slope to (the episode detector has judged it).
        guard x.value.isFinite else { return }
        lane.recent.append(StreamSample(time: t, value: x.value))
        lane.recent.removeAll { $0.time < t - configuration.rateWindow }
        guard historical == false, let slope = Self.slopePerMinute(lane.recent), lane.recent.count >= 3 else { return }
        let projected = x.value + slope * configuration.predictionHorizon / 60
        let inEpisode = lane.hypo.alertID != nil
        if let id = lane.trendAlertID {
            if inEpisode || (projected >= GlucoseMetrics.level1Threshold && slope > -2) {
                close(id, eventTime: x.time, reason: inEpisode ? "superseded by a hypoglycaemia episode" : "trend no longer falling towards a low", now: now, out: &out)
                lane.trendAlertID = nil
            }
            return
        }
        guard !inEpisode, x.value >= GlucoseMetrics.level1Threshold else { return }
        let rule: (String, String, String)?
        if projected < GlucoseMetrics.level1Threshold {
            rule = (StreamingRules.predictedLowID, StreamingRules.predictedLowCitation,
                    "Glucose is falling (\(String(format: "%.1f", -slope)) mg/dL per minute) and is projected below 70 mg/dL within \(Int(configuration.predictionHorizon / 60)) minutes. Consider fast-acting carbohydrate and check again soon.")
        } else if slope <= -2 {
            rule = (StreamingRules.fallingFastID, StreamingRules.fallingFastCitation,
                    "Glucose is falling fast (\(String(format: "%.1f", -slope)) mg/dL per minute\(slope <= -3 ? ", more than 3" : "")). Check again soon.")
        } else {
            rule = nil
        }
        guard let (ruleID, citation, message) = rule else { return }
        let (sev, msg) = capped(.advisory, message, x)
        let a = Alert(id: "\(ruleID)/\(x.evidenceKey)", ruleID: ruleID, subject: SubjectID(x.key.subject), device: DeviceID(rawValue: x.device),
                      severity: sev, message: msg, citation: citation, raisedAt: now, effectiveTime: x.time, evidenceKey: x.evidenceKey,
                      evidenceFrom: Date(timeIntervalSince1970: lane.recent.first?.time ?? t), evidenceTo: x.time)
        lane.trendAlertID = a.id
        start(a, medical: x.medical, historical: false, now: now, out: &out)
    }

    /// Least-squares slope in mg/dL per minute, or nil with fewer than two distinct times.
    public static func slopePerMinute(_ s: [StreamSample]) -> Double? {
        guard s.count >= 2 else { return nil }
        let n = Double(s.count)
        let mt = s.reduce(0) { $0 + $1.time } / n
        let mv = s.reduce(0) { $0 + $1.value } / n
        var num = 0.0, den = 0.0
        for p in s {
            num += (p.time - mt) * (p.value - mv)
            den += (p.time - mt) * (p.time - mt)
        }
        guard den > 0 else { return nil }
        return num / den * 60
    }
}

extension AlertTransition {
    /// The first step of an alert: raised live, or recorded from backfill.
    public var isNewAlert: Bool { kind == .raised || (kind == .recorded && detail == StreamingRules.backfillDetail) }
}

extension StreamingAnalytics {
    static let floats = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// The whole state as JSON (infinities, which empty watermarks and minima hold, as strings).
    public func serialized() throws -> Data {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: Self.floats.positiveInfinity, negativeInfinity: Self.floats.negativeInfinity, nan: Self.floats.nan)
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }

    public init(serialized data: Data) throws {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: Self.floats.positiveInfinity, negativeInfinity: Self.floats.negativeInfinity, nan: Self.floats.nan)
        self = try d.decode(StreamingAnalytics.self, from: data)
    }
}
