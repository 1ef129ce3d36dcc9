import Testing

@testable import ParleyGenerator

// MARK: - Builders

private let here = SourceLocation(file: "schema/test.json", path: "$")

private func prop(
    _ name: String,
    _ field: Field,
    optional: Bool = false,
    nullable: Bool = false,
    default value: DefaultValue? = nil
) -> Property {
    Property(name: name, field: field, description: nil, isOptional: optional, isNullable: nullable, defaultValue: value)
}

private func object(_ name: String, _ properties: [Property], inline: Bool = false) -> TypeDecl {
    TypeDecl(name: name, description: nil, kind: .object(properties), isInline: inline, location: here)
}

private func enumeration(_ name: String, _ values: [String]) -> TypeDecl {
    TypeDecl(name: name, description: nil, kind: .enumeration(values), isInline: false, location: here)
}

private func route(
    _ name: String,
    _ method: HTTPMethod = .post,
    _ path: String = "/",
    security: String? = "bearer",
    params: [Property] = [],
    query: [Property] = [],
    cookies: [Property] = [],
    body: String? = nil,
    response: String = "Empty",
    statuses: [Int] = [200],
    setsCookies: [String] = []
) -> Route {
    Route(
        name: name,
        summary: nil,
        description: nil,
        method: method,
        path: path,
        security: security,
        params: params,
        query: query,
        cookies: cookies,
        body: body,
        response: response,
        statuses: statuses,
        errors: [],
        setsCookies: setsCookies,
        location: here
    )
}

private func service(_ name: String, basePath: String? = nil, isInternal: Bool = false, _ routes: [Route]) -> Service {
    Service(
        name: name,
        description: nil,
        basePath: basePath ?? "/api/\(name)",
        isInternal: isInternal,
        routes: routes,
        location: here
    )
}

private func event(_ name: String, payload: String, ack: String? = nil) -> Event {
    Event(name: name, description: nil, payload: payload, ack: ack, location: here)
}

private func model(
    types: [TypeDecl] = [],
    services: [Service] = [],
    clientEvents: [Event] = [],
    serverEvents: [Event] = []
) -> APIModel {
    APIModel(
        info: Info(title: "Test", version: "1.0.0", description: nil),
        securitySchemes: [
            SecurityScheme(name: "bearer", kind: .bearer(format: "JWT"), description: nil),
            SecurityScheme(name: "internalSecret", kind: .header(name: "X-Internal-Secret"), description: nil),
        ],
        types: types + [object("Empty", [])],
        services: services,
        clientEvents: clientEvents,
        serverEvents: serverEvents
    )
}

private let string = Field.string(StringConstraints())

/// A model where `type` (plus `extra` types) is the body of `POST /api/things/` — an input.
private func inputModel(_ type: TypeDecl, _ extra: [TypeDecl] = []) -> APIModel {
    model(types: [type] + extra, services: [service("things", [route("create", body: type.name)])])
}

/// A model where `type` (plus `extra` types) is the response of `GET /api/things/` — an output.
private func outputModel(_ type: TypeDecl, _ extra: [TypeDecl] = []) -> APIModel {
    model(types: [type] + extra, services: [service("things", [route("get", .get, response: type.name)])])
}

private func diff(_ old: APIModel, _ new: APIModel) -> [BreakingChange] {
    APIDiff.breakingChanges(from: old, to: new)
}

/// A change reduced to what the tests assert: its kind and location.
private struct Hit: Equatable, CustomStringConvertible {
    var kind: BreakingChange.Kind
    var location: String
    init(_ kind: BreakingChange.Kind, _ location: String) {
        self.kind = kind
        self.location = location
    }
    var description: String { "\(kind) \(location)" }
}

private func hits(_ changes: [BreakingChange]) -> [Hit] { changes.map { Hit($0.kind, $0.location) } }

// MARK: - Routes

@Suite struct DiffTests {
    @Test func identicalModelsHaveNoBreakingChange() {
        let m = inputModel(object("Thing", [prop("name", string)]))
        #expect(diff(m, m).isEmpty)
    }

    @Test func removedRoute() {
        let old = model(services: [service("chats", [route("list", .get), route("create")])])
        let new = model(services: [service("chats", [route("create")])])
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.removedRoute, "chats.list")])
    }

    @Test func removedServiceRemovesEachRoute() {
        let old = model(services: [service("chats", [route("list", .get), route("create")])])
        let changes = diff(old, model())
        #expect(hits(changes) == [Hit(.removedRoute, "chats.list"), Hit(.removedRoute, "chats.create")])
    }

    @Test func serviceMadeInternalRemovesItsRoutes() {
        let old = model(services: [service("chats", [route("list", .get)])])
        let new = model(services: [service("chats", isInternal: true, [route("list", .get)])])
        #expect(hits(diff(old, new)) == [Hit(.removedRoute, "chats.list")])
    }

    @Test func changedMethod() {
        let old = model(services: [service("chats", [route("update", .put, "/:id", params: [prop("id", .objectId)])])])
        let new = model(services: [service("chats", [route("update", .patch, "/:id", params: [prop("id", .objectId)])])])
        #expect(hits(diff(old, new)) == [Hit(.changedMethodOrPath, "chats.update")])
    }

    @Test func changedPath() {
        let old = model(services: [service("chats", [route("archive", .post, "/archive")])])
        let new = model(services: [service("chats", [route("archive", .post, "/archived")])])
        #expect(hits(diff(old, new)) == [Hit(.changedMethodOrPath, "chats.archive")])
    }

    @Test func changedBasePath() {
        let old = model(services: [service("chats", [route("list", .get)])])
        let new = model(services: [service("chats", basePath: "/api/v2/chats", [route("list", .get)])])
        #expect(hits(diff(old, new)) == [Hit(.changedMethodOrPath, "chats.list")])
    }

    @Test func renamedPathParameterIsNotBreaking() {
        let old = model(services: [service("chats", [route("get", .get, "/:id", params: [prop("id", .objectId)])])])
        let new = model(services: [service("chats", [route("get", .get, "/:chatId", params: [prop("chatId", .objectId)])])])
        #expect(diff(old, new).isEmpty)
    }

    @Test func securityAddedToPublicRoute() {
        let old = model(services: [service("auth", [route("login", security: nil)])])
        let new = model(services: [service("auth", [route("login", security: "bearer")])])
        #expect(hits(diff(old, new)) == [Hit(.addedSecurity, "auth.login")])
    }

    @Test func securitySchemeChanged() {
        let old = model(services: [service("auth", [route("logout", security: "bearer")])])
        let new = model(services: [service("auth", [route("logout", security: "internalSecret")])])
        #expect(hits(diff(old, new)) == [Hit(.changedSecurity, "auth.logout")])
    }

    @Test func securityRemovedIsNotBreaking() {
        let old = model(services: [service("auth", [route("logout", security: "bearer")])])
        let new = model(services: [service("auth", [route("logout", security: nil)])])
        #expect(diff(old, new).isEmpty)
    }

    @Test func removedSuccessStatus() {
        let old = model(services: [service("chats", [route("create", statuses: [201, 200])])])
        let new = model(services: [service("chats", [route("create", statuses: [201])])])
        #expect(hits(diff(old, new)) == [Hit(.removedStatus, "chats.create")])
    }

    @Test func removedSetCookie() {
        let old = model(services: [service("auth", [route("login", setsCookies: ["refreshToken"])])])
        let new = model(services: [service("auth", [route("login")])])
        #expect(hits(diff(old, new)) == [Hit(.removedCookie, "auth.login")])
    }

    @Test func newPathParameter() {
        let old = model(services: [service("chats", [route("get", .get, "/:id", params: [prop("id", .objectId)])])])
        let new = model(services: [
            service(
                "chats",
                [
                    route(
                        "get",
                        .get,
                        "/:id/:version",
                        params: [prop("id", .objectId), prop("version", .integer(.init()))]
                    )
                ]
            )
        ])
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.changedMethodOrPath, "chats.get"), Hit(.newRequiredInput, "chats.get.params.version")])
    }

    @Test func pathParameterChangedType() {
        let old = model(services: [service("chats", [route("get", .get, "/:id", params: [prop("id", string)])])])
        let new = model(services: [service("chats", [route("get", .get, "/:id", params: [prop("id", .objectId)])])])
        #expect(hits(diff(old, new)) == [Hit(.changedType, "chats.get.params.id")])
    }

    @Test func newRequiredQueryParameter() {
        let old = model(services: [service("messages", [route("list", .get)])])
        let new = model(services: [service("messages", [route("list", .get, query: [prop("chatId", .objectId)])])])
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "messages.list.query.chatId")])
    }

    @Test func queryParameterMadeRequired() {
        let old = model(services: [service("messages", [route("list", .get, query: [prop("before", .dateTime, optional: true)])])])
        let new = model(services: [service("messages", [route("list", .get, query: [prop("before", .dateTime)])])])
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "messages.list.query.before")])
    }

    @Test func queryParameterLostItsDefault() {
        let limit = Field.integer(.init(minimum: 1, maximum: 100))
        let old = model(services: [service("messages", [route("list", .get, query: [prop("limit", limit, default: .integer(50))])])])
        let new = model(services: [service("messages", [route("list", .get, query: [prop("limit", limit)])])])
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "messages.list.query.limit")])
    }

    @Test func queryParameterNarrowed() {
        let old = model(services: [
            service(
                "messages",
                [
                    route(
                        "list",
                        .get,
                        query: [prop("limit", .integer(.init(minimum: 1, maximum: 100)), default: .integer(50))]
                    )
                ]
            )
        ])
        let new = model(services: [
            service(
                "messages",
                [
                    route(
                        "list",
                        .get,
                        query: [prop("limit", .integer(.init(minimum: 1, maximum: 50)), default: .integer(50))]
                    )
                ]
            )
        ])
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "messages.list.query.limit")])
    }

    @Test func removedQueryParameter() {
        let old = model(services: [service("messages", [route("list", .get, query: [prop("q", string, optional: true)])])])
        let new = model(services: [service("messages", [route("list", .get)])])
        #expect(hits(diff(old, new)) == [Hit(.removedField, "messages.list.query.q")])
    }

    @Test func newRequiredCookie() {
        let old = model(services: [service("auth", [route("refresh", security: nil)])])
        let new = model(services: [service("auth", [route("refresh", security: nil, cookies: [prop("refreshToken", string)])])])
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "auth.refresh.cookies.refreshToken")])
    }

    @Test func newBody() {
        let old = model(types: [object("Ping", [])], services: [service("misc", [route("ping")])])
        let new = model(types: [object("Ping", [])], services: [service("misc", [route("ping", body: "Ping")])])
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "misc.ping.body")])
    }

    @Test func changedBodyType() {
        let types = [object("A", []), object("B", [])]
        let old = model(types: types, services: [service("misc", [route("send", body: "A")])])
        let new = model(types: types, services: [service("misc", [route("send", body: "B")])])
        #expect(hits(diff(old, new)) == [Hit(.changedType, "misc.send.body")])
    }

    @Test func changedResponseType() {
        let types = [object("A", []), object("B", [])]
        let old = model(types: types, services: [service("misc", [route("get", .get, response: "A")])])
        let new = model(types: types, services: [service("misc", [route("get", .get, response: "B")])])
        #expect(hits(diff(old, new)) == [Hit(.changedType, "misc.get.response")])
    }

    // MARK: - Events

    @Test func removedClientEvent() {
        let types = [object("TypingStartPayload", [prop("chatId", .objectId)], inline: true)]
        let old = model(types: types, clientEvents: [event("typing:start", payload: "TypingStartPayload")])
        let new = model(types: types)
        #expect(hits(diff(old, new)) == [Hit(.removedEvent, "clientToServer.typing:start")])
    }

    @Test func removedServerEvent() {
        let types = [object("Message", [prop("_id", .objectId)])]
        let old = model(types: types, serverEvents: [event("message:new", payload: "Message")])
        let new = model(types: types)
        #expect(hits(diff(old, new)) == [Hit(.removedEvent, "serverToClient.message:new")])
    }

    @Test func removedAck() {
        let types = [object("Send", [prop("text", string)]), object("SendAck", [prop("ok", .boolean)])]
        let old = model(types: types, clientEvents: [event("message:send", payload: "Send", ack: "SendAck")])
        let new = model(types: types, clientEvents: [event("message:send", payload: "Send")])
        #expect(hits(diff(old, new)) == [Hit(.removedAck, "clientToServer.message:send")])
    }

    @Test func changedEventPayloadType() {
        let types = [object("A", []), object("B", [])]
        let old = model(types: types, serverEvents: [event("chat:updated", payload: "A")])
        let new = model(types: types, serverEvents: [event("chat:updated", payload: "B")])
        #expect(hits(diff(old, new)) == [Hit(.changedType, "serverToClient.chat:updated.payload")])
    }

    @Test func clientEventPayloadIsAnInput() {
        let old = model(types: [object("Send", [prop("text", string)])], clientEvents: [event("message:send", payload: "Send")])
        let new = model(
            types: [object("Send", [prop("text", string), prop("chatId", .objectId)])],
            clientEvents: [event("message:send", payload: "Send")]
        )
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "Send.chatId")])
    }

    @Test func ackIsAnOutput() {
        let old = model(
            types: [object("Send", []), object("SendAck", [prop("id", .objectId)])],
            clientEvents: [event("message:send", payload: "Send", ack: "SendAck")]
        )
        let new = model(
            types: [object("Send", []), object("SendAck", [prop("id", .objectId, optional: true)])],
            clientEvents: [event("message:send", payload: "Send", ack: "SendAck")]
        )
        #expect(hits(diff(old, new)) == [Hit(.madeOptional, "SendAck.id")])
    }

    // MARK: - Input types

    @Test func newRequiredInputProperty() {
        let old = inputModel(object("Thing", [prop("name", string)]))
        let new = inputModel(object("Thing", [prop("name", string), prop("color", string)]))
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "Thing.color")])
    }

    @Test func inputPropertyMadeRequired() {
        let old = inputModel(object("Thing", [prop("name", string, optional: true)]))
        let new = inputModel(object("Thing", [prop("name", string)]))
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "Thing.name")])
    }

    @Test func removedInputProperty() {
        let old = inputModel(object("Thing", [prop("name", string), prop("note", string, optional: true)]))
        let new = inputModel(object("Thing", [prop("name", string)]))
        #expect(hits(diff(old, new)) == [Hit(.removedField, "Thing.note")])
    }

    @Test func changedInputFieldType() {
        let old = inputModel(object("Thing", [prop("count", .integer(.init()))]))
        let new = inputModel(object("Thing", [prop("count", string)]))
        #expect(hits(diff(old, new)) == [Hit(.changedType, "Thing.count")])
    }

    @Test func renamedReferencedTypeIsAChangedType() {
        let old = inputModel(object("Thing", [prop("kind", .ref("Kind"))]), [enumeration("Kind", ["a", "b"])])
        let new = inputModel(object("Thing", [prop("kind", .ref("ThingKind"))]), [enumeration("ThingKind", ["a", "b"])])
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.changedType, "Thing.kind"), Hit(.removedType, "Kind")])
    }

    @Test func raisedMinLength() {
        let old = inputModel(object("Thing", [prop("name", .string(.init(minLength: 1)))]))
        let new = inputModel(object("Thing", [prop("name", .string(.init(minLength: 3)))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.name")])
    }

    @Test func loweredMaxLength() {
        let old = inputModel(object("Thing", [prop("name", .string(.init(maxLength: 64)))]))
        let new = inputModel(object("Thing", [prop("name", .string(.init(maxLength: 32)))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.name")])
    }

    @Test func addedMaxLength() {
        let old = inputModel(object("Thing", [prop("email", .email(.init()))]))
        let new = inputModel(object("Thing", [prop("email", .email(.init(maxLength: 254)))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.email")])
    }

    @Test func newPattern() {
        let old = inputModel(object("Thing", [prop("name", string)]))
        let new = inputModel(object("Thing", [prop("name", .string(.init(pattern: "^[a-z]+$")))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.name")])
    }

    @Test func changedPattern() {
        let old = inputModel(object("Thing", [prop("name", .string(.init(pattern: "^[a-z0-9]+$")))]))
        let new = inputModel(object("Thing", [prop("name", .string(.init(pattern: "^[a-z]+$")))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.name")])
    }

    @Test func raisedMinimumAndLoweredMaximum() {
        let old = inputModel(object("Thing", [prop("n", .number(.init(minimum: 0, maximum: 10)))]))
        let new = inputModel(object("Thing", [prop("n", .number(.init(minimum: 1, maximum: 9)))]))
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.narrowedConstraint, "Thing.n"), Hit(.narrowedConstraint, "Thing.n")])
    }

    @Test func arrayBoundsAndUniqueness() {
        let old = inputModel(object("Thing", [prop("tags", .array(.init(minItems: 0, maxItems: 10), of: string))]))
        let new = inputModel(object("Thing", [prop("tags", .array(.init(minItems: 1, maxItems: 5, uniqueItems: true), of: string))]))
        let changes = diff(old, new)
        #expect(hits(changes) == Array(repeating: Hit(.narrowedConstraint, "Thing.tags"), count: 3))
    }

    @Test func arrayItemsAreCompared() {
        let old = inputModel(object("Thing", [prop("ids", .array(.init(), of: string))]))
        let new = inputModel(object("Thing", [prop("ids", .array(.init(), of: .string(.init(maxLength: 24))))]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.ids[]")])
    }

    @Test func typesReachedThroughArraysAndRefsAreInputs() {
        let old = inputModel(object("Thing", [prop("parts", .array(.init(), of: .ref("Part")))]), [object("Part", [prop("a", string)])])
        let new = inputModel(
            object("Thing", [prop("parts", .array(.init(), of: .ref("Part")))]),
            [object("Part", [prop("a", string), prop("b", string)])]
        )
        #expect(hits(diff(old, new)) == [Hit(.newRequiredInput, "Part.b")])
    }

    @Test func removedInputEnumValue() {
        let old = inputModel(object("Thing", [prop("kind", .ref("Kind"))]), [enumeration("Kind", ["a", "b"])])
        let new = inputModel(object("Thing", [prop("kind", .ref("Kind"))]), [enumeration("Kind", ["a"])])
        #expect(hits(diff(old, new)) == [Hit(.removedEnumValue, "Kind")])
    }

    @Test func removedInlineEnumValue() {
        let old = inputModel(object("Thing", [prop("kind", .string(.init(enumeration: ["a", "b"])))]))
        let new = inputModel(object("Thing", [prop("kind", .string(.init(enumeration: ["b"])))]))
        #expect(hits(diff(old, new)) == [Hit(.removedEnumValue, "Thing.kind")])
    }

    @Test func urlSchemeRemovedAndRelativeDisallowed() {
        let old = inputModel(object("Thing", [prop("link", .url(.init(schemes: ["http", "https"], allowsRelative: true)))]))
        let new = inputModel(object("Thing", [prop("link", .url(.init(schemes: ["https"], allowsRelative: false)))]))
        let changes = diff(old, new)
        #expect(hits(changes) == Array(repeating: Hit(.narrowedConstraint, "Thing.link"), count: 2))
    }

    @Test func inputNoLongerNullable() {
        let old = inputModel(object("Thing", [prop("note", string, nullable: true)]))
        let new = inputModel(object("Thing", [prop("note", string)]))
        #expect(hits(diff(old, new)) == [Hit(.narrowedConstraint, "Thing.note")])
    }

    // MARK: - Output types

    @Test func removedOutputProperty() {
        let old = outputModel(object("User", [prop("_id", .objectId), prop("bio", string)]))
        let new = outputModel(object("User", [prop("_id", .objectId)]))
        #expect(hits(diff(old, new)) == [Hit(.removedField, "User.bio")])
    }

    @Test func outputPropertyMadeOptional() {
        let old = outputModel(object("User", [prop("bio", string)]))
        let new = outputModel(object("User", [prop("bio", string, optional: true)]))
        #expect(hits(diff(old, new)) == [Hit(.madeOptional, "User.bio")])
    }

    @Test func outputPropertyMadeNullable() {
        let old = outputModel(object("User", [prop("bio", string)]))
        let new = outputModel(object("User", [prop("bio", string, nullable: true)]))
        #expect(hits(diff(old, new)) == [Hit(.madeOptional, "User.bio")])
    }

    @Test func changedOutputFieldType() {
        let old = outputModel(object("User", [prop("createdAt", .dateTime)]))
        let new = outputModel(object("User", [prop("createdAt", .integer(.init()))]))
        #expect(hits(diff(old, new)) == [Hit(.changedType, "User.createdAt")])
    }

    @Test func outputIntegerBecomingNumberIsAChangedType() {
        let old = outputModel(object("User", [prop("score", .integer(.init()))]))
        let new = outputModel(object("User", [prop("score", .number(.init()))]))
        #expect(hits(diff(old, new)) == [Hit(.changedType, "User.score")])
    }

    @Test func enumerationBecameObject() {
        let old = outputModel(object("User", [prop("status", .ref("Status"))]), [enumeration("Status", ["online"])])
        let new = outputModel(object("User", [prop("status", .ref("Status"))]), [object("Status", [])])
        #expect(hits(diff(old, new)) == [Hit(.changedType, "Status")])
    }

    @Test func removedReferencedType() {
        let old = outputModel(object("User", [prop("profile", .ref("Profile"))]), [object("Profile", [])])
        let new = outputModel(object("User", [prop("profile", .json)]))
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.changedType, "User.profile"), Hit(.removedType, "Profile")])
    }

    @Test func removedUnreferencedTypeIsNotBreaking() {
        let old = outputModel(object("User", []), [object("Unused", [prop("a", string)])])
        let new = outputModel(object("User", []))
        #expect(diff(old, new).isEmpty)
    }

    @Test func typeUsedBothWaysGetsBothRules() {
        let old = model(
            types: [object("Profile", [prop("bio", string, optional: true), prop("name", string)])],
            services: [service("users", [route("update", .patch, body: "Profile", response: "Profile")])]
        )
        let new = model(
            types: [object("Profile", [prop("bio", string), prop("name", string, optional: true)])],
            services: [service("users", [route("update", .patch, body: "Profile", response: "Profile")])]
        )
        let changes = diff(old, new)
        #expect(hits(changes) == [Hit(.newRequiredInput, "Profile.bio"), Hit(.madeOptional, "Profile.name")])
        #expect(APIDiff.typeUsage(in: old)["Profile"] == [.input, .output])
    }

    @Test func descriptionNamesKindAndLocation() {
        let change = BreakingChange(kind: .removedRoute, location: "chats.list", message: "route was removed")
        #expect(change.description == "[removedRoute] chats.list: route was removed")
    }

    // MARK: - Additive changes

    @Test func newRouteAndServiceAreNotBreaking() {
        let old = model(services: [service("chats", [route("list", .get)])])
        let new = model(services: [service("chats", [route("list", .get), route("create")]), service("media", [route("upload")])])
        #expect(diff(old, new).isEmpty)
    }

    @Test func newEventsAndAckAreNotBreaking() {
        let types = [object("P", []), object("A", [])]
        let old = model(types: types, clientEvents: [event("a", payload: "P")])
        let new = model(
            types: types,
            clientEvents: [event("a", payload: "P", ack: "A"), event("b", payload: "P")],
            serverEvents: [event("c", payload: "P")]
        )
        #expect(diff(old, new).isEmpty)
    }

    @Test func newOptionalOrDefaultedInputFieldsAreNotBreaking() {
        let old = inputModel(object("Thing", [prop("name", string)]))
        let new = inputModel(
            object(
                "Thing",
                [
                    prop("name", string), prop("note", string, optional: true),
                    prop("limit", .integer(.init()), default: .integer(10)),
                ]
            )
        )
        #expect(diff(old, new).isEmpty)
    }

    @Test func newOptionalQueryAndCookieAreNotBreaking() {
        let old = model(services: [service("messages", [route("list", .get)])])
        let new = model(services: [
            service(
                "messages",
                [
                    route(
                        "list",
                        .get,
                        query: [prop("q", string, optional: true)],
                        cookies: [prop("c", string, optional: true)]
                    )
                ]
            )
        ])
        #expect(diff(old, new).isEmpty)
    }

    @Test func newOutputFieldIsNotBreaking() {
        let old = outputModel(object("User", [prop("_id", .objectId)]))
        let new = outputModel(object("User", [prop("_id", .objectId), prop("bio", string), prop("x", string, optional: true)]))
        #expect(diff(old, new).isEmpty)
    }

    @Test func widenedInputConstraintsAreNotBreaking() {
        let old = inputModel(
            object(
                "Thing",
                [
                    prop("name", .string(.init(minLength: 3, maxLength: 32, pattern: "^[a-z]+$"))),
                    prop("n", .integer(.init(minimum: 1, maximum: 10))),
                    prop("tags", .array(.init(minItems: 1, maxItems: 5, uniqueItems: true), of: string)),
                    prop("link", .url(.init(schemes: ["https"], allowsRelative: false, maxLength: 100))),
                    prop("note", string),
                ]
            )
        )
        let new = inputModel(
            object(
                "Thing",
                [
                    prop("name", .string(.init(minLength: 1, maxLength: 64))),
                    prop("n", .number(.init(minimum: 0))),
                    prop("tags", .array(.init(), of: string)),
                    prop("link", .url(.init(schemes: ["http", "https"], allowsRelative: true, maxLength: 200))),
                    prop("note", string, optional: true, nullable: true),
                ]
            )
        )
        #expect(diff(old, new).isEmpty)
    }

    @Test func newEnumValueIsNotBreaking() {
        // On an input it widens what is accepted; on an output clients are expected to tolerate unknown values.
        let inputOld = inputModel(object("Thing", [prop("kind", .ref("Kind"))]), [enumeration("Kind", ["a"])])
        let inputNew = inputModel(object("Thing", [prop("kind", .ref("Kind"))]), [enumeration("Kind", ["a", "b"])])
        #expect(diff(inputOld, inputNew).isEmpty)
        let outputOld = outputModel(object("User", [prop("status", .string(.init(enumeration: ["online"])))]))
        let outputNew = outputModel(object("User", [prop("status", .string(.init(enumeration: ["online", "away"])))]))
        #expect(diff(outputOld, outputNew).isEmpty)
    }

    @Test func outputOnlyConstraintChangesAreNotBreaking() {
        let old = outputModel(
            object("User", [prop("name", .string(.init(maxLength: 64))), prop("role", .ref("Role"))]),
            [enumeration("Role", ["admin", "member"])]
        )
        let new = outputModel(
            object("User", [prop("name", .string(.init(minLength: 1, maxLength: 32))), prop("role", .ref("Role"))]),
            [enumeration("Role", ["member"])]
        )
        #expect(diff(old, new).isEmpty)
    }

    @Test func newRequiredPropertyOnOutputOnlyTypeIsNotBreaking() {
        let old = outputModel(object("User", [prop("a", string)]))
        let new = outputModel(object("User", [prop("a", string), prop("b", string)]))
        #expect(diff(old, new).isEmpty)
    }

    @Test func newSuccessAndErrorStatusesAreNotBreaking() {
        let old = model(services: [service("chats", [route("create", statuses: [201])])])
        var changed = route("create", statuses: [201, 200])
        changed.errors = [409, 403]
        let new = model(services: [service("chats", [changed])])
        #expect(diff(old, new).isEmpty)
    }
}
