import HTTPCore

extension APIServer {
    /// Every route of the API. Adding one is a line here and a handler.
    static let router = Router(routes: [
        Route("GET", "/", .none) { server, _ in .now(server.root()) },
        Route("GET", "/healthz", .none) { server, _ in .now(server.health()) },
        Route("GET", "/metrics", .apiKey) { server, _ in .now(try server.metrics()) },
        Route("POST", "/register", .registrationTokenOrBody) { server, r in .now(try server.register(r)) },
        Route("GET", "/tasks", .runnerToken, safe: false) { server, r in try server.lease(r) },
        Route("POST", "/result", .runnerToken) { server, r in .now(try server.submitResult(r)) },
        Route("POST", "/results", .runnerToken) { server, r in try server.submitResults(r) },
        Route("POST", "/heartbeat", .runnerToken) { server, r in .now(try server.heartbeat(r)) },
        Route("GET", "/runners", .apiKey) { server, _ in .now(try server.runners()) },
        Route("PUT", "/runners/{runner_id}", .runnerToken) { server, r in .now(try server.updateRunner(r)) },
        Route("DELETE", "/runners/{runner_id}", .apiKey) { server, r in .now(try server.deleteRunner(r)) },
        Route("POST", "/runners/{runner_id}/pause", .apiKey) { server, r in
            .now(try server.pauseRunner(r, paused: true))
        },
        Route("POST", "/runners/{runner_id}/resume", .apiKey) { server, r in
            .now(try server.pauseRunner(r, paused: false))
        },
        Route("GET", "/operations", .apiKey) { server, _ in .now(try server.operations()) },
        Route("GET", "/stats", .apiKey) { server, r in .now(try server.overview(r)) },
        Route("POST", "/task", .apiKeyOrBody) { server, r in .now(try server.createTask(r)) },
        Route("POST", "/tasks/batch", .apiKey) { server, r in .now(try server.createTasks(r)) },
        Route("GET", "/tasks/all", .apiKey) { server, r in .now(try server.listTasks(r.http)) },
        Route("GET", "/task/{task_id}", .apiKey) { server, r in .now(try server.getTask(r)) },
        Route("DELETE", "/task/{task_id}", .apiKey) { server, r in .now(try server.cancelTask(r)) },
        Route("POST", "/task/{task_id}/retry", .apiKey) { server, r in .now(try server.retryTask(r)) },
        Route("GET", "/result/{task_id}", .apiKey) { server, r in .now(try server.getResult(r)) },
    ])
}
