/// One change between two versions of the schema that can break an existing client.
public struct BreakingChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A route (service name + route name) is gone, or its service became internal.
        case removedRoute
        /// A route answers on another method or path (base path included; parameter names do not count).
        case changedMethodOrPath
        /// A public route now requires credentials.
        case addedSecurity
        /// A route now requires another security scheme.
        case changedSecurity
        /// A success status the route used to answer with is no longer one of its statuses.
        case removedStatus
        /// A cookie the route used to set is no longer set.
        case removedCookie
        /// A client-to-server or server-to-client event is gone.
        case removedEvent
        /// A client-to-server event is no longer acknowledged.
        case removedAck
        /// A named type that some route or event used is gone.
        case removedType
        /// A property (or query parameter) is gone.
        case removedField
        /// A value's type changed (another built-in type, another referenced type, object ↔ enumeration).
        case changedType
        /// An input accepts fewer values: bounds, pattern, uniqueness, URL schemes, nullability.
        case narrowedConstraint
        /// An input must now be sent: a new required property, parameter, cookie or body, or an optional one
        /// made required.
        case newRequiredInput
        /// An input enumeration lost a value.
        case removedEnumValue
        /// An output property may now be absent or `null`.
        case madeOptional
    }

    public var kind: Kind
    /// Where: `auth.register` (a route), `auth.list.query.limit`, `clientToServer.message:send`, `User.username`,
    /// `Chat.members[]` (an array's items).
    public var location: String
    public var message: String

    public init(kind: Kind, location: String, message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "[\(kind.rawValue)] \(location): \(message)" }
}

/// Compares two versions of the API and lists what can break existing clients.
///
/// The old version is the contract clients were written against, so the direction in which a named type
/// travels is taken from it: a type reachable from a request body, path/query parameters, cookies or a
/// client-to-server payload is an *input*; one reachable from a response, a server-to-client payload or an
/// acknowledgement is an *output*; it may be both. Types are matched by name.
///
/// - Inputs break when they accept less: a new required property, parameter, cookie or body, an optional
///   one made required, narrowed constraints (bounds, pattern, `uniqueItems`, enumeration values, URL
///   schemes, relative URLs, nullability), a removed property (objects reject unknown properties, so a
///   client still sending it gets a 400) or a changed type. Widening an input is never breaking.
/// - Outputs break when they give less: a removed property, a property that may now be absent or `null`,
///   a changed type. An output whose value domain grows (a new enumeration value, wider bounds, more URL
///   schemes) is **not** reported: clients are expected to tolerate values they do not know, as they
///   tolerate new properties. Likewise new error statuses and new success statuses are not reported.
/// - Routes are matched by service name + route name. A removed route, a changed method or path, security
///   added to a public route or switched to another scheme, a success status no longer answered and a cookie
///   no longer set are breaking. Unknown cookies are ignored by the server, so removing a request cookie is
///   not.
/// - Events are matched by name within their direction; a removed event of either direction is breaking,
///   and so is a client-to-server event losing its acknowledgement.
/// - A removed type is reported when some route or event of the old version used it (its referencing field
///   is reported as a changed type as well). Removing a declared type that nothing used is not a wire change.
///
/// Types are compared by name, never structurally: a field that now refers to a renamed type is a changed type.
public enum APIDiff {
    public static func breakingChanges(from old: APIModel, to new: APIModel) -> [BreakingChange] {
        var differ = Differ(old: old, new: new)
        differ.compareRoutes()
        differ.compareEvents()
        differ.compareTypes()
        return differ.changes
    }

    /// Which way a type travels, in the old version.
    public struct Usage: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Sent by clients.
        public static let input = Usage(rawValue: 1)
        /// Sent by the server.
        public static let output = Usage(rawValue: 2)
    }

    /// For each named type reachable from some route or event of `model`, the ways it travels.
    public static func typeUsage(in model: APIModel) -> [String: Usage] {
        var usage: [String: Usage] = [:]
        var pending: [(String, Usage)] = []

        func root(_ name: String?, _ direction: Usage) {
            if let name { pending.append((name, direction)) }
        }
        func root(_ field: Field, _ direction: Usage) {
            for name in referencedTypes(field) { pending.append((name, direction)) }
        }

        for service in model.services {
            for route in service.routes {
                root(route.body, .input)
                for property in route.params + route.query + route.cookies { root(property.field, .input) }
                root(route.response, .output)
            }
        }
        for event in model.clientEvents {
            root(event.payload, .input)
            root(event.ack, .output)
        }
        for event in model.serverEvents { root(event.payload, .output) }

        while let (name, direction) = pending.popLast() {
            let known = usage[name] ?? []
            if known.contains(direction) { continue }
            usage[name] = known.union(direction)
            for property in model.type(named: name)?.properties ?? [] {
                for referenced in referencedTypes(property.field) { pending.append((referenced, direction)) }
            }
        }
        return usage
    }

    /// Names a field refers to, through array items.
    static func referencedTypes(_ field: Field) -> [String] {
        switch field {
        case .ref(let name): [name]
        case .array(_, let items): referencedTypes(items)
        default: []
        }
    }
}

private struct Differ {
    let old: APIModel
    let new: APIModel
    let usage: [String: APIDiff.Usage]
    var changes: [BreakingChange] = []

    init(old: APIModel, new: APIModel) {
        self.old = old
        self.new = new
        self.usage = APIDiff.typeUsage(in: old)
    }

    mutating func report(_ kind: BreakingChange.Kind, _ location: String, _ message: String) {
        changes.append(BreakingChange(kind: kind, location: location, message: message))
    }

    // MARK: Routes

    mutating func compareRoutes() {
        for oldService in old.services {
            let newService = new.services.first { $0.name == oldService.name }
            for oldRoute in oldService.routes {
                let location = "\(oldService.name).\(oldRoute.name)"
                guard let newService, let newRoute = newService.routes.first(where: { $0.name == oldRoute.name }) else {
                    let what = newService == nil ? "service '\(oldService.name)' was removed" : "route was removed"
                    report(.removedRoute, location, "\(what) (\(oldRoute.method.rawValue) \(oldRoute.fullPath(in: oldService)))")
                    continue
                }
                if !oldService.isInternal && newService.isInternal {
                    report(.removedRoute, location, "service '\(oldService.name)' became internal: the gateway no longer routes it")
                    continue
                }
                compareRoute(oldRoute, in: oldService, with: newRoute, in: newService, at: location)
            }
        }
    }

    mutating func compareRoute(
        _ oldRoute: Route,
        in oldService: Service,
        with newRoute: Route,
        in newService: Service,
        at location: String
    ) {
        let oldPath = oldRoute.fullPath(in: oldService)
        let newPath = newRoute.fullPath(in: newService)
        if oldRoute.method != newRoute.method || Self.pathShape(oldPath) != Self.pathShape(newPath) {
            report(
                .changedMethodOrPath,
                location,
                "\(oldRoute.method.rawValue) \(oldPath) became \(newRoute.method.rawValue) \(newPath)"
            )
        }

        switch (oldRoute.security, newRoute.security) {
        case (nil, let scheme?):
            report(.addedSecurity, location, "public route now requires '\(scheme)'")
        case (let before?, let after?) where before != after:
            report(.changedSecurity, location, "route now requires '\(after)' instead of '\(before)'")
        default:
            break
        }

        // Path parameters: matched by position, since their names are not on the wire.
        for (index, newParam) in newRoute.params.enumerated() {
            let paramLocation = "\(location).params.\(newParam.name)"
            if index < oldRoute.params.count {
                compareProperty(oldRoute.params[index], newParam, usage: .input, at: paramLocation)
            } else {
                report(.newRequiredInput, paramLocation, "new path parameter")
            }
        }

        // Query parameters: unknown ones are rejected, so a removed one breaks clients that still send it.
        for oldQuery in oldRoute.query {
            let queryLocation = "\(location).query.\(oldQuery.name)"
            if let newQuery = newRoute.query.first(where: { $0.name == oldQuery.name }) {
                compareProperty(oldQuery, newQuery, usage: .input, at: queryLocation)
            } else {
                report(.removedField, queryLocation, "query parameter was removed")
            }
        }
        for newQuery in newRoute.query where newQuery.isRequired && !oldRoute.query.contains(where: { $0.name == newQuery.name }) {
            report(.newRequiredInput, "\(location).query.\(newQuery.name)", "new required query parameter")
        }

        // Cookies: unknown cookies are ignored, so only new required ones and narrowing matter.
        for newCookie in newRoute.cookies {
            let cookieLocation = "\(location).cookies.\(newCookie.name)"
            if let oldCookie = oldRoute.cookies.first(where: { $0.name == newCookie.name }) {
                compareProperty(oldCookie, newCookie, usage: .input, at: cookieLocation)
            } else if newCookie.isRequired {
                report(.newRequiredInput, cookieLocation, "new required cookie")
            }
        }

        switch (oldRoute.body, newRoute.body) {
        case (nil, let body?):
            report(.newRequiredInput, "\(location).body", "route now requires a body of type '\(body)'")
        case (let body?, nil):
            report(.changedType, "\(location).body", "route no longer takes a body (was '\(body)')")
        case (let before?, let after?) where before != after:
            report(.changedType, "\(location).body", "body type '\(before)' became '\(after)'")
        default:
            break
        }
        if oldRoute.response != newRoute.response {
            report(.changedType, "\(location).response", "response type '\(oldRoute.response)' became '\(newRoute.response)'")
        }

        for status in oldRoute.statuses where !newRoute.statuses.contains(status) {
            report(.removedStatus, location, "no longer answers \(status) (now \(newRoute.statuses.map(String.init).joined(separator: ", ")))")
        }
        for cookie in oldRoute.setsCookies where !newRoute.setsCookies.contains(cookie) {
            report(.removedCookie, location, "no longer sets cookie '\(cookie)'")
        }
    }

    /// `/api/chats/:id/members/:userId` → `/api/chats/:/members/:`.
    static func pathShape(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? ":" : String($0) }
            .joined(separator: "/")
    }

    // MARK: Events

    mutating func compareEvents() {
        for oldEvent in old.clientEvents {
            let location = "clientToServer.\(oldEvent.name)"
            guard let newEvent = new.clientEvents.first(where: { $0.name == oldEvent.name }) else {
                report(.removedEvent, location, "client-to-server event was removed")
                continue
            }
            if oldEvent.payload != newEvent.payload {
                report(.changedType, "\(location).payload", "payload type '\(oldEvent.payload)' became '\(newEvent.payload)'")
            }
            switch (oldEvent.ack, newEvent.ack) {
            case (let ack?, nil):
                report(.removedAck, location, "event is no longer acknowledged (was '\(ack)')")
            case (let before?, let after?) where before != after:
                report(.changedType, "\(location).ack", "acknowledgement type '\(before)' became '\(after)'")
            default:
                break
            }
        }
        for oldEvent in old.serverEvents {
            let location = "serverToClient.\(oldEvent.name)"
            guard let newEvent = new.serverEvents.first(where: { $0.name == oldEvent.name }) else {
                report(.removedEvent, location, "server-to-client event was removed")
                continue
            }
            if oldEvent.payload != newEvent.payload {
                report(.changedType, "\(location).payload", "payload type '\(oldEvent.payload)' became '\(newEvent.payload)'")
            }
        }
    }

    // MARK: Types

    mutating func compareTypes() {
        for oldType in old.types {
            guard let typeUsage = usage[oldType.name], !typeUsage.isEmpty else { continue }
            guard let newType = new.type(named: oldType.name) else {
                if !oldType.isInline {
                    report(.removedType, oldType.name, "type was removed (\(Self.describe(typeUsage)))")
                }
                continue
            }
            switch (oldType.kind, newType.kind) {
            case (.enumeration(let before), .enumeration(let after)):
                if typeUsage.contains(.input) { compareEnumeration(before, after, at: oldType.name) }
            case (.object(let before), .object(let after)):
                compareObject(before, after, usage: typeUsage, in: oldType.name)
            case (.enumeration, .object):
                report(.changedType, oldType.name, "enumeration became an object")
            case (.object, .enumeration):
                report(.changedType, oldType.name, "object became an enumeration")
            }
        }
    }

    static func describe(_ usage: APIDiff.Usage) -> String {
        switch (usage.contains(.input), usage.contains(.output)) {
        case (true, true): "used as input and output"
        case (true, false): "used as input"
        default: "used as output"
        }
    }

    mutating func compareEnumeration(_ before: [String], _ after: [String], at location: String) {
        let removed = before.filter { !after.contains($0) }
        if !removed.isEmpty {
            report(.removedEnumValue, location, "input no longer accepts \(removed.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    mutating func compareObject(_ before: [Property], _ after: [Property], usage: APIDiff.Usage, in typeName: String) {
        for oldProperty in before {
            let location = "\(typeName).\(oldProperty.name)"
            guard let newProperty = after.first(where: { $0.name == oldProperty.name }) else {
                let why = usage.contains(.output) ? "clients reading it no longer get it" : "clients still sending it get a 400"
                report(.removedField, location, "property was removed: \(why)")
                continue
            }
            compareProperty(oldProperty, newProperty, usage: usage, at: location)
        }
        if usage.contains(.input) {
            for newProperty in after where newProperty.isRequired && !before.contains(where: { $0.name == newProperty.name }) {
                report(.newRequiredInput, "\(typeName).\(newProperty.name)", "new required property")
            }
        }
    }

    mutating func compareProperty(_ before: Property, _ after: Property, usage: APIDiff.Usage, at location: String) {
        if usage.contains(.input) {
            if !before.isRequired && after.isRequired {
                report(.newRequiredInput, location, "optional input became required")
            }
            if before.isNullable && !after.isNullable {
                report(.narrowedConstraint, location, "input no longer accepts null")
            }
        }
        if usage.contains(.output) {
            if !before.isOptional && after.isOptional {
                report(.madeOptional, location, "output may now be absent")
            }
            if !before.isNullable && after.isNullable {
                report(.madeOptional, location, "output may now be null")
            }
        }
        compareField(before.field, after.field, usage: usage, at: location)
    }

    // MARK: Fields

    mutating func compareField(_ before: Field, _ after: Field, usage: APIDiff.Usage, at location: String) {
        let input = usage.contains(.input)
        switch (before, after) {
        case (.string(let a), .string(let b)), (.email(let a), .email(let b)):
            if input { compareString(a, b, at: location) }
        case (.integer(let a), .integer(let b)), (.number(let a), .number(let b)):
            if input { compareNumber(a, b, at: location) }
        case (.integer(let a), .number(let b)) where !usage.contains(.output):
            // Every integer is a number: an input-only field widens.
            compareNumber(a, b, at: location)
        case (.url(let a), .url(let b)):
            if input { compareURL(a, b, at: location) }
        case (.array(let a, let itemsBefore), .array(let b, let itemsAfter)):
            if input { compareArray(a, b, at: location) }
            compareField(itemsBefore, itemsAfter, usage: usage, at: location + "[]")
        case (.ref(let a), .ref(let b)):
            // Same name: the type itself is compared once, under its own name.
            if a != b { report(.changedType, location, "type '\(a)' became '\(b)'") }
        case (.boolean, .boolean), (.objectId, .objectId), (.dateTime, .dateTime), (.json, .json):
            break
        default:
            report(.changedType, location, "type '\(Self.typeName(before))' became '\(Self.typeName(after))'")
        }
    }

    mutating func compareString(_ a: StringConstraints, _ b: StringConstraints, at location: String) {
        if raised(a.minLength, b.minLength) {
            report(.narrowedConstraint, location, "minLength \(Self.show(a.minLength)) became \(Self.show(b.minLength))")
        }
        if lowered(a.maxLength, b.maxLength) {
            report(.narrowedConstraint, location, "maxLength \(Self.show(a.maxLength)) became \(Self.show(b.maxLength))")
        }
        if let pattern = b.pattern, pattern != a.pattern {
            let what = a.pattern.map { "pattern '\($0)' became '\(pattern)'" } ?? "new pattern '\(pattern)'"
            report(.narrowedConstraint, location, what)
        }
        switch (a.enumeration, b.enumeration) {
        case (nil, let values?):
            report(.narrowedConstraint, location, "input is now restricted to \(values.map { "'\($0)'" }.joined(separator: ", "))")
        case (let before?, let after?):
            compareEnumeration(before, after, at: location)
        default:
            break
        }
    }

    mutating func compareNumber(_ a: NumberConstraints, _ b: NumberConstraints, at location: String) {
        if raised(a.minimum, b.minimum) {
            report(.narrowedConstraint, location, "minimum \(Self.show(a.minimum)) became \(Self.show(b.minimum))")
        }
        if lowered(a.maximum, b.maximum) {
            report(.narrowedConstraint, location, "maximum \(Self.show(a.maximum)) became \(Self.show(b.maximum))")
        }
    }

    mutating func compareURL(_ a: URLConstraints, _ b: URLConstraints, at location: String) {
        let removed = a.schemes.filter { !b.schemes.contains($0) }
        if !removed.isEmpty {
            report(.narrowedConstraint, location, "URL schemes no longer accepted: \(removed.joined(separator: ", "))")
        }
        if a.allowsRelative && !b.allowsRelative {
            report(.narrowedConstraint, location, "relative URLs are no longer accepted")
        }
        if lowered(a.maxLength, b.maxLength) {
            report(.narrowedConstraint, location, "maxLength \(Self.show(a.maxLength)) became \(Self.show(b.maxLength))")
        }
    }

    mutating func compareArray(_ a: ArrayConstraints, _ b: ArrayConstraints, at location: String) {
        if raised(a.minItems, b.minItems) {
            report(.narrowedConstraint, location, "minItems \(Self.show(a.minItems)) became \(Self.show(b.minItems))")
        }
        if lowered(a.maxItems, b.maxItems) {
            report(.narrowedConstraint, location, "maxItems \(Self.show(a.maxItems)) became \(Self.show(b.maxItems))")
        }
        if !a.uniqueItems && b.uniqueItems {
            report(.narrowedConstraint, location, "items must now be unique")
        }
    }

    /// A lower bound that appeared or went up.
    func raised<T: Comparable>(_ a: T?, _ b: T?) -> Bool {
        guard let b else { return false }
        guard let a else { return true }
        return b > a
    }

    /// An upper bound that appeared or went down.
    func lowered<T: Comparable>(_ a: T?, _ b: T?) -> Bool {
        guard let b else { return false }
        guard let a else { return true }
        return b < a
    }

    static func show<T>(_ value: T?) -> String {
        guard let value else { return "none" }
        if let double = value as? Double, double == double.rounded(), abs(double) < 1e15 { return String(Int(double)) }
        return "\(value)"
    }

    static func typeName(_ field: Field) -> String {
        switch field {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .objectId: "objectId"
        case .dateTime: "dateTime"
        case .email: "email"
        case .url: "url"
        case .json: "json"
        case .array(_, let items): "array of \(typeName(items))"
        case .ref(let name): name
        }
    }
}
