import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// The admin's webhook pages: the endpoints with a form for a new one (its secret shown once),
/// and each endpoint's page: its settings, a secret rotation, deletion, and its delivery log with
/// a retry of any failed delivery. Every rule is ``WebhookOperations``'s, as for the API.
struct WebhooksConsoleController: Sendable {
    let webhooks: WebhookOperations
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/admin/webhooks", use: endpointsPage)
        router.post("/admin/webhooks", use: create)
        router.get("/admin/webhooks/{id}", use: endpointPage)
        router.post("/admin/webhooks/{id}", use: change)
        router.post("/admin/webhooks/deliveries/{id}/retry", use: retryDelivery)
    }

    struct EndpointRow: Sendable {
        var id: String
        var url: String
        var events: String
        var active: Bool
        var description: String
        var href: String
    }

    /// The endpoint form as typed (or as stored).
    struct EndpointForm: Sendable {
        var url = ""
        var description = ""
        var active = true
        var events: [ConsoleOption] = WebhooksConsoleController.eventOptions(selected: [
            "order.created", "order.status_changed", "order.cancelled",
        ])
    }

    struct EndpointsPage: Sendable {
        var endpoints: [EndpointRow]
        var empty: Bool
        var form: EndpointForm
        /// A new endpoint's secret, shown once.
        var secret: String?
        var error: String?
        var problems: [String: String] = [:]
    }

    static func eventOptions(selected: [String]) -> [ConsoleOption] {
        WebhookEndpoint.knownEventTypes.map { ConsoleOption(value: $0, label: $0, selected: selected.contains($0)) }
    }

    @Sendable func endpointsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try webhooks.adminsOnly(user.actor)
        return try await showEndpoints(user: user, request: request, context: context)
    }

    func showEndpoints(
        user: ConsoleUser, form: EndpointForm = EndpointForm(), secret: String? = nil, error: String? = nil,
        problems: [String: String] = [:], status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let endpoints = try await webhooks.list(by: user.actor, logger: context.logger)
        let view = EndpointsPage(
            endpoints: endpoints.map {
                EndpointRow(
                    id: $0.id.lowercasedString, url: $0.url, events: $0.eventTypes.joined(separator: ", "), active: $0.active,
                    description: $0.description, href: "/admin/webhooks/" + $0.id.lowercasedString)
            },
            empty: endpoints.isEmpty, form: form, secret: secret, error: error, problems: problems)
        return pages.render(
            "webhooks", title: "Webhooks", section: "webhooks", page: view, context: context, request: request, status: status)
    }

    /// The form's fields: the API's input, with a checkbox list for the events.
    struct EndpointFormBody: Decodable {
        var url: String?
        var description: String?
        var events: [String]?
        var active: String?
        /// `save`, `rotate` or `delete` (the endpoint's page).
        var action: String?

        var input: WebhookEndpointInput {
            WebhookEndpointInput(url: url, eventTypes: events ?? [], active: active == "on", description: description ?? "")
        }

        var typed: EndpointForm {
            EndpointForm(
                url: url ?? "", description: description ?? "", active: active == "on",
                events: WebhooksConsoleController.eventOptions(selected: events ?? []))
        }
    }

    /// A new endpoint; the page then shows its secret, once.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try webhooks.adminsOnly(user.actor)
        let form = try await ConsoleForm.decode(EndpointFormBody.self, request, context: context)
        do {
            let (endpoint, secret) = try await webhooks.create(form.input, by: user.actor, logger: context.logger)
            return try await showEndpoint(
                user: user, id: endpoint.id, secret: secret.text,
                notice: "Endpoint created. Copy its signing secret now: it is not shown again.",
                request: request, context: context)
        } catch let error as InvalidInput {
            return try await showEndpoints(
                user: user, form: form.typed, error: "Please correct the fields below.", problems: ConsoleForm.problems(error),
                status: .unprocessableContent, request: request, context: context)
        }
    }

    struct DeliveryRow: Sendable {
        var id: String
        var event: String
        var eventType: String
        var orderHref: String
        var orderReference: String
        var attempts: Int
        var state: String
        var stateClass: String
        var response: String
        var error: String
        var at: String
        var retriable: Bool
    }

    struct EndpointPage: Sendable {
        var id: String
        var url: String
        var active: Bool
        var form: EndpointForm
        var secret: String?
        var deliveries: [DeliveryRow]
        var noDeliveries: Bool
        var paging: ConsolePaging
        var error: String?
        var problems: [String: String] = [:]
    }

    @Sendable func endpointPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try webhooks.adminsOnly(user.actor)
        return try await showEndpoint(user: user, id: try Self.id(context), request: request, context: context)
    }

    func showEndpoint(
        user: ConsoleUser, id: UUID, form: EndpointForm? = nil, secret: String? = nil, notice: String? = nil, error: String? = nil,
        problems: [String: String] = [:], status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let endpoint = try await webhooks.endpoint(id, by: user.actor, logger: context.logger)
        let page = max(1, min(1_000_000, Int(request.uri.queryParameters["page"] ?? "") ?? 1))
        let log = try await webhooks.deliveries(id, page: page, size: 25, by: user.actor, logger: context.logger)
        let path = "/admin/webhooks/" + endpoint.id.lowercasedString
        let view = EndpointPage(
            id: endpoint.id.lowercasedString, url: endpoint.url, active: endpoint.active,
            form: form
                ?? EndpointForm(
                    url: endpoint.url, description: endpoint.description, active: endpoint.active,
                    events: Self.eventOptions(selected: endpoint.eventTypes)),
            secret: secret,
            deliveries: log.items.map { delivery in
                DeliveryRow(
                    id: delivery.member, event: String(delivery.eventPosition), eventType: delivery.eventType,
                    orderHref: "/orders/" + delivery.orderID.lowercasedString,
                    orderReference: ConsoleFormat.reference(delivery.orderID),
                    attempts: delivery.attempts, state: delivery.state.rawValue,
                    stateClass: delivery.state == .delivered ? "ok" : delivery.state == .dead ? "bad" : "",
                    response: delivery.responseStatus.map { "\($0)" + (delivery.durationMilliseconds.map { " in \($0) ms" } ?? "") } ?? "",
                    error: delivery.lastError ?? "", at: format.time(delivery.attemptedAt ?? delivery.createdAt),
                    retriable: delivery.state == .failed || delivery.state == .dead)
            },
            noDeliveries: log.items.isEmpty, paging: ConsolePaging(page: page, size: 25, total: log.total, path: path, query: []),
            error: error, problems: problems)
        return pages.render(
            "webhook", title: "Webhook endpoint", section: "webhooks", page: view, context: context, request: request, notice: notice,
            status: status)
    }

    /// Saves the endpoint's settings, rotates its secret (shown once) or deletes it.
    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try webhooks.adminsOnly(user.actor)
        let id = try Self.id(context)
        let form = try await ConsoleForm.decode(EndpointFormBody.self, request, context: context)
        switch form.action {
        case "rotate":
            let (_, secret) = try await webhooks.rotateSecret(id, by: user.actor, logger: context.logger)
            return try await showEndpoint(
                user: user, id: id, secret: secret.text,
                notice: "A new signing secret: copy it now. The old one keeps signing for the grace period.", request: request,
                context: context)
        case "delete":
            try await webhooks.delete(id, by: user.actor, logger: context.logger)
            return pages.redirect("/admin/webhooks", notice: "deleted")
        default:
            do {
                _ = try await webhooks.update(id, form.input, by: user.actor, logger: context.logger)
                return pages.redirect("/admin/webhooks/" + id.lowercasedString, notice: "saved")
            } catch let error as InvalidInput {
                return try await showEndpoint(
                    user: user, id: id, form: form.typed, error: "Please correct the fields below.", problems: ConsoleForm.problems(error),
                    status: .unprocessableContent, request: request, context: context)
            }
        }
    }

    /// Sends a failed or dead delivery again now, as `POST /api/webhooks/deliveries/{id}/retry`.
    @Sendable func retryDelivery(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try webhooks.adminsOnly(user.actor)
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw StoreError(.notFound, field: "delivery") }
        let delivery = try await webhooks.retryDelivery(id, by: user.actor, logger: context.logger)
        return pages.redirect("/admin/webhooks/" + (delivery.endpointID?.lowercasedString ?? ""), notice: "retried")
    }

    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else {
            throw StoreError(.notFound, field: "webhook endpoint")
        }
        return id
    }
}
