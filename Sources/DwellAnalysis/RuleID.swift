/// What a rule's findings can be in the correlation, declared once per rule in the table (`Rule.role`): the most any
/// of its findings shows. A finding's own `FindingRole` says what that one hit shows and is never above its rule's
/// (`admits`; `RuleIDTests` checks the detectors' output on the sample and the fleet stories against it).
public enum RuleRole: String, Sendable, Hashable, CaseIterable {
    /// Its findings can be compromises: they seed the correlation when no seed is given.
    case seed
    /// Attempts at most: the hostile background unless the correlation ties their source to a compromise.
    case background
    /// Context only: never an attempt or a compromise, never a seed.
    case context

    /// Whether a finding of this rule may have `role` and `seeds`.
    public func admits(_ role: FindingRole, seeds: Bool) -> Bool {
        switch self {
        case .seed: true
        case .background: role != .compromise && !seeds
        case .context: role == .context && !seeds
        }
    }
}

/// A rule as a finding names it: the id every output writes (`auth.bruteforce`, `sigma.<id>`: `name`, also its
/// `description`), with what analysis and the reports need to know of the rule, taken from its row in the table
/// (`Rule.ruleID`) or from a Sigma rule (`sigma(_:technique:)`) when the finding is made. Code switches on `family`,
/// `meaning` and `role`; none reads the id's text. Two ids are the same rule when their names are (equality, hashing
/// and order are by name, so ordering findings by rule is the written order it always was).
public struct RuleID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The written id.
    public let name: String
    /// Which evidence the rule reads (`auth.`, `web.`, `net.`, ...).
    public let family: RuleFamily
    /// The rule's ATT&CK technique (a finding may name a refinement of it: `Finding.technique`).
    public let technique: String
    /// What the technique asks of the responder: read from `technique` here, once.
    public let meaning: TechniqueMeaning
    public let role: RuleRole

    public init(name: String, family: RuleFamily, technique: String, role: RuleRole) {
        self.name = name
        self.family = family
        self.technique = technique
        self.meaning = TechniqueMeaning(technique: technique)
        self.role = role
    }

    /// A Sigma rule's findings: family `.sigma`, background (they seed nothing alone).
    public static func sigma(_ name: String, technique: String) -> RuleID {
        RuleID(name: name, family: .sigma, technique: technique, role: .background)
    }

    /// The id of a finding read back from its written form (a case file): its row in `rules` gives the family and
    /// role; `technique` (the finding's) the technique. A Sigma id (`sigma.`) is a Sigma rule's; an id no table has
    /// is a rule of no family that gives context only.
    public init(written name: String, technique: String, rules: RuleSet = .standard) {
        if let r = rules.rules.first(where: { $0.id == name }) {
            self.init(name: name, family: RuleFamily(ruleID: name), technique: technique, role: r.role)
        } else if RuleFamily(ruleID: name) == .sigma {
            self = .sigma(name, technique: technique)
        } else {
            self.init(name: name, family: RuleFamily(ruleID: name), technique: technique, role: .context)
        }
    }

    /// A rule of the standard table named in code (`"auth.bruteforce"`), with its technique there.
    public init(stringLiteral name: String) {
        let technique = RuleSet.standard.rules.first { $0.id == name }?.technique ?? ""
        self.init(written: name, technique: technique)
    }

    public var description: String { name }

    public static func == (a: RuleID, b: RuleID) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
    public static func < (a: RuleID, b: RuleID) -> Bool { a.name < b.name }
}

extension Rule {
    /// The id findings of this rule carry: its family (by the id's first part), technique and role from this row.
    public var ruleID: RuleID { RuleID(name: id, family: RuleFamily(ruleID: id), technique: technique, role: role) }
}
