/// Glucose Measurement Context characteristic (0x2A34), Glucose Service 1.0 §3.x, sent by notification right
/// after the Glucose Measurement (0x2A18) whose Flags bit 4 announced it, with the same Sequence Number.
///
/// Layout (little-endian): Flags uint8; Sequence Number uint16; then, as flagged and in this order:
/// Extended Flags (uint8, flag bit 7, all bits reserved) — right after the Sequence Number, before
/// everything else; Carbohydrate ID (uint8) + Carbohydrate (SFLOAT, kilograms) (bit 0); Meal (uint8,
/// bit 1); Tester-Health (uint8: Tester in the low nibble, Health in the high nibble, bit 2); Exercise
/// Duration (uint16, seconds, 65535 = overrun) + Exercise Intensity (uint8, %) (bit 3); Medication ID
/// (uint8) + Medication (SFLOAT, kilograms when bit 5 is clear, litres when set) (bit 4); HbA1c (SFLOAT,
/// %, bit 6).
public struct GlucoseMeasurementContext: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A34)
    public static let entity = "Glucose Measurement Context (0x2A34)"

    public struct CarbohydrateID: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let breakfast = CarbohydrateID(rawValue: 1)
        public static let lunch = CarbohydrateID(rawValue: 2)
        public static let dinner = CarbohydrateID(rawValue: 3)
        public static let snack = CarbohydrateID(rawValue: 4)
        public static let drink = CarbohydrateID(rawValue: 5)
        public static let supper = CarbohydrateID(rawValue: 6)
        public static let brunch = CarbohydrateID(rawValue: 7)
        public var description: String {
            switch rawValue {
            case 1: "Breakfast"
            case 2: "Lunch"
            case 3: "Dinner"
            case 4: "Snack"
            case 5: "Drink"
            case 6: "Supper"
            case 7: "Brunch"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    public struct Meal: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let preprandial = Meal(rawValue: 1)
        public static let postprandial = Meal(rawValue: 2)
        public static let fasting = Meal(rawValue: 3)
        public static let casual = Meal(rawValue: 4)
        public static let bedtime = Meal(rawValue: 5)
        public var description: String {
            switch rawValue {
            case 1: "Preprandial (before meal)"
            case 2: "Postprandial (after meal)"
            case 3: "Fasting"
            case 4: "Casual (snacks, drinks, etc.)"
            case 5: "Bedtime"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Tester, the low nibble of Tester-Health.
    public struct Tester: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let selfTest = Tester(rawValue: 1)
        public static let healthCareProfessional = Tester(rawValue: 2)
        public static let labTest = Tester(rawValue: 3)
        public static let notAvailable = Tester(rawValue: 15)
        public var description: String {
            switch rawValue {
            case 1: "Self"
            case 2: "Health Care Professional"
            case 3: "Lab test"
            case 15: "Tester value not available"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Health, the high nibble of Tester-Health.
    public struct Health: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let minorHealthIssues = Health(rawValue: 1)
        public static let majorHealthIssues = Health(rawValue: 2)
        public static let duringMenses = Health(rawValue: 3)
        public static let underStress = Health(rawValue: 4)
        public static let noHealthIssues = Health(rawValue: 5)
        public static let notAvailable = Health(rawValue: 15)
        public var description: String {
            switch rawValue {
            case 1: "Minor health issues"
            case 2: "Major health issues"
            case 3: "During menses"
            case 4: "Under stress"
            case 5: "No health issues"
            case 15: "Health value not available"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    public struct MedicationID: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let rapidActingInsulin = MedicationID(rawValue: 1)
        public static let shortActingInsulin = MedicationID(rawValue: 2)
        public static let intermediateActingInsulin = MedicationID(rawValue: 3)
        public static let longActingInsulin = MedicationID(rawValue: 4)
        public static let preMixedInsulin = MedicationID(rawValue: 5)
        public var description: String {
            switch rawValue {
            case 1: "Rapid acting insulin"
            case 2: "Short acting insulin"
            case 3: "Intermediate acting insulin"
            case 4: "Long acting insulin"
            case 5: "Pre-mixed insulin"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Medication Value Units, flag bit 5.
    public enum MedicationUnit: String, Hashable, Sendable {
        /// Flag bit 5 clear.
        case kilograms = "kg"
        /// Flag bit 5 set.
        case litres = "L"
    }

    public struct Carbohydrate: Hashable, Sendable {
        public var id: CarbohydrateID
        /// Carbohydrate, kilograms.
        public var kilograms: SFloat
        public init(id: CarbohydrateID, kilograms: SFloat) {
            self.id = id
            self.kilograms = kilograms
        }
    }

    public struct Exercise: Hashable, Sendable {
        /// Exercise Duration, seconds; 65535 means overrun.
        public var durationSeconds: UInt16
        /// Exercise Intensity, %.
        public var intensityPercent: UInt8
        public static let durationOverrun: UInt16 = 0xFFFF
        public init(durationSeconds: UInt16, intensityPercent: UInt8) {
            self.durationSeconds = durationSeconds
            self.intensityPercent = intensityPercent
        }
    }

    public struct Medication: Hashable, Sendable {
        public var id: MedicationID
        /// Medication, in the unit flag bit 5 selects (`GlucoseMeasurementContext.medicationUnit`).
        public var amount: SFloat
        public init(id: MedicationID, amount: SFloat) {
            self.id = id
            self.amount = amount
        }
    }

    public var sequenceNumber: UInt16
    /// Extended Flags (flag bit 7); all its bits are reserved.
    public var extendedFlags: UInt8?
    public var carbohydrate: Carbohydrate?
    public var meal: Meal?
    public var tester: Tester?
    public var health: Health?
    public var exercise: Exercise?
    public var medication: Medication?
    /// Flag bit 5; kept even without a medication so a re-encode is byte-identical.
    public var medicationUnit: MedicationUnit
    /// HbA1c, %.
    public var hbA1c: SFloat?

    public init(
        sequenceNumber: UInt16, extendedFlags: UInt8? = nil, carbohydrate: Carbohydrate? = nil, meal: Meal? = nil,
        tester: Tester? = nil, health: Health? = nil, exercise: Exercise? = nil, medication: Medication? = nil,
        medicationUnit: MedicationUnit = .kilograms, hbA1c: SFloat? = nil
    ) {
        self.sequenceNumber = sequenceNumber
        self.extendedFlags = extendedFlags
        self.carbohydrate = carbohydrate
        self.meal = meal
        // Tester and Health travel together in one octet.
        self.tester = tester ?? (health == nil ? nil : .notAvailable)
        self.health = health ?? (tester == nil ? nil : .notAvailable)
        self.exercise = exercise
        self.medication = medication
        self.medicationUnit = medicationUnit
        self.hbA1c = hbA1c
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags")
        medicationUnit = flags & 0x20 != 0 ? .litres : .kilograms
        sequenceNumber = try r.u16le("Sequence Number")
        if flags & 0x80 != 0 { extendedFlags = try r.u8("Extended Flags") }
        if flags & 0x01 != 0 {
            let id = CarbohydrateID(rawValue: try r.u8("Carbohydrate ID"))
            carbohydrate = Carbohydrate(id: id, kilograms: try r.sfloat("Carbohydrate - units of kilograms"))
        }
        if flags & 0x02 != 0 { meal = Meal(rawValue: try r.u8("Meal")) }
        if flags & 0x04 != 0 {
            let th = try r.u8("Tester-Health")
            tester = Tester(rawValue: th & 0x0F)
            health = Health(rawValue: th >> 4)
        }
        if flags & 0x08 != 0 {
            let duration = try r.u16le("Exercise Duration")
            exercise = Exercise(durationSeconds: duration, intensityPercent: try r.u8("Exercise Intensity"))
        }
        if flags & 0x10 != 0 {
            let id = MedicationID(rawValue: try r.u8("Medication ID"))
            let field = medicationUnit == .litres ? "Medication - units of liters" : "Medication - units of kilograms"
            medication = Medication(id: id, amount: try r.sfloat(field))
        }
        if flags & 0x40 != 0 { hbA1c = try r.sfloat("HbA1c") }
        try r.expectEnd(after: "HbA1c")
    }

    public var flags: UInt8 {
        var f: UInt8 = 0
        if carbohydrate != nil { f |= 0x01 }
        if meal != nil { f |= 0x02 }
        if tester != nil || health != nil { f |= 0x04 }
        if exercise != nil { f |= 0x08 }
        if medication != nil { f |= 0x10 }
        if medicationUnit == .litres { f |= 0x20 }
        if hbA1c != nil { f |= 0x40 }
        if extendedFlags != nil { f |= 0x80 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(flags)
        w.u16le(sequenceNumber)
        if let extendedFlags { w.u8(extendedFlags) }
        if let carbohydrate {
            w.u8(carbohydrate.id.rawValue)
            w.sfloat(carbohydrate.kilograms)
        }
        if let meal { w.u8(meal.rawValue) }
        if tester != nil || health != nil {
            let t = (tester ?? .notAvailable).rawValue & 0x0F
            let h = (health ?? .notAvailable).rawValue & 0x0F
            w.u8(h << 4 | t)
        }
        if let exercise {
            w.u16le(exercise.durationSeconds)
            w.u8(exercise.intensityPercent)
        }
        if let medication {
            w.u8(medication.id.rawValue)
            w.sfloat(medication.amount)
        }
        if let hbA1c { w.sfloat(hbA1c) }
        return w.bytes
    }

    /// Carbohydrate in grams, nil when absent or a special value.
    public var carbohydrateGrams: Double? { carbohydrate?.kilograms.value.map { scaled($0, 1000) } }

    /// Medication in milligrams (from kg) or millilitres (from L), nil when absent or a special value.
    public var medicationConventional: (value: Double, unit: String)? {
        guard let v = medication?.amount.value else { return nil }
        return medicationUnit == .kilograms ? (scaled(v, 1_000_000), "mg") : (scaled(v, 1000), "mL")
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A34")),
            ("name", .string("Glucose Measurement Context")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("carbohydrateIDAndCarbohydratePresent", .bool(carbohydrate != nil)),
                    ("mealPresent", .bool(meal != nil)),
                    ("testerHealthPresent", .bool(tester != nil || health != nil)),
                    ("exerciseDurationAndExerciseIntensityPresent", .bool(exercise != nil)),
                    ("medicationIDAndMedicationPresent", .bool(medication != nil)),
                    ("medicationValueUnits", .string(medicationUnit == .litres ? "liters" : "kilograms")),
                    ("hbA1cPresent", .bool(hbA1c != nil)),
                    ("extendedFlagsPresent", .bool(extendedFlags != nil)),
                ])
            ),
            ("sequenceNumber", .int(Int64(sequenceNumber))),
        ]
        if let extendedFlags { o.append(("extendedFlags", .int(Int64(extendedFlags)))) }
        if let carbohydrate {
            o.append(("carbohydrateID", named(carbohydrate.id.rawValue, carbohydrate.id.description)))
            o.append(("carbohydrate", carbohydrate.kilograms.json))
            o.append(("carbohydrateUnit", .string("kg")))
            if let g = carbohydrateGrams {
                o.append(("carbohydrateConventional", .object([("value", .number(g)), ("unit", .string("g"))])))
            }
        }
        if let meal { o.append(("meal", named(meal.rawValue, meal.description))) }
        if tester != nil || health != nil {
            let t = tester ?? .notAvailable
            let h = health ?? .notAvailable
            o.append(("tester", named(t.rawValue, t.description)))
            o.append(("health", named(h.rawValue, h.description)))
        }
        if let exercise {
            o.append((
                "exerciseDuration",
                exercise.durationSeconds == Exercise.durationOverrun
                    ? .string("Overrun") : .int(Int64(exercise.durationSeconds))
            ))
            o.append(("exerciseDurationUnit", .string("s")))
            o.append(("exerciseIntensity", .int(Int64(exercise.intensityPercent))))
            o.append(("exerciseIntensityUnit", .string("%")))
        }
        if let medication {
            o.append(("medicationID", named(medication.id.rawValue, medication.id.description)))
            o.append(("medication", medication.amount.json))
            o.append(("medicationUnit", .string(medicationUnit.rawValue)))
            if let c = medicationConventional {
                o.append(("medicationConventional", .object([("value", .number(c.value)), ("unit", .string(c.unit))])))
            }
        }
        if let hbA1c {
            o.append(("hbA1c", hbA1c.json))
            o.append(("hbA1cUnit", .string("%")))
        }
        return .object(o)
    }

    private func named(_ raw: UInt8, _ name: String) -> JSONValue {
        .object([("raw", .int(Int64(raw))), ("name", .string(name))])
    }
}

/// `v × factor`, rounded to 6 decimals so 0.0045 kg reads as 4.5 g rather than 4.499999….
private func scaled(_ v: Double, _ factor: Double) -> Double { (v * factor * 1e6).rounded() / 1e6 }
