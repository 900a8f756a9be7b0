import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalisePath, routesDetector } from "../../src/changes/routes.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/changes/routes/${name}`, import.meta.url), "utf8");
}

function detect(file: Partial<ChangedFile> & Pick<ChangedFile, "status">): DetectionResult {
  return routesDetector.detect({ path: "src/api/routes.ts", ...file }, SETTINGS);
}

/** [kind, detail] pairs: what a reviewer would read. */
function summary(result: DetectionResult): [string, string][] {
  return result.findings.map((f) => [f.kind, f.detail]);
}

function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`fixture has no line containing ${needle}`);
  return index + 1;
}

/** Routes found in a source text, by comparing it (as an added file) with nothing. */
function routesIn(source: string): string[] {
  return detect({ status: "added", base: null, head: source }).findings.map((f) =>
    f.detail.replace(/ route added$/, ""),
  );
}

describe("routesDetector.appliesTo", () => {
  it.each([
    "src/routes/users.ts",
    "server/app.mjs",
    "api/index.cjs",
    "lib/router.js",
    "web/src/App.tsx",
    "src/server.mts",
  ])("reads %s", (path) => {
    expect(routesDetector.appliesTo(path)).toBe(true);
  });

  it.each([
    "src/routes/users.test.ts",
    "src/routes/users.spec.js",
    "src/routes/__tests__/users.ts",
    "types/express.d.ts",
    "README.md",
    "api/openapi.yaml",
    "src/routes/users.ts.orig",
  ])("ignores %s", (path) => {
    expect(routesDetector.appliesTo(path)).toBe(false);
  });

  it("declares its kinds, most severe first, and works without content", () => {
    expect(routesDetector.id).toBe("routes");
    expect(routesDetector.kinds).toEqual(["api-breaking", "endpoint-added"]);
    expect(routesDetector.needsContent).toBe(false);
  });
});

describe("routesDetector on an Express router", () => {
  const base = fixture("users.router.base.ts");
  const head = fixture("users.router.head.ts");
  const expected: [string, string][] = [
    ["api-breaking", "DELETE /users/:id route removed"],
    ["api-breaking", "DELETE /users/:id/avatar route removed"],
    ["endpoint-added", "PATCH /users/:id route added"],
  ];

  it("compares the route sets of base and head", () => {
    const result = detect({ status: "modified", base, head });
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual(expected);
    expect(result.findings.map((f) => f.line)).toEqual([
      lineOf(base, 'usersRouter.delete("/users/:id"'),
      lineOf(base, ".delete(deleteAvatar)"),
      lineOf(head, 'usersRouter.patch("/users/:id"'),
    ]);
  });

  it("finds the same from the GitHub patch alone, though the chained .route() line is only context", () => {
    const result = detect({ status: "modified", patch: fixture("users.router.patch") });
    expect(summary(result)).toEqual(expected);
    expect(result.findings.map((f) => f.line)).toEqual([
      lineOf(base, 'usersRouter.delete("/users/:id"'),
      lineOf(base, ".delete(deleteAvatar)"),
      lineOf(head, 'usersRouter.patch("/users/:id"'),
    ]);
  });

  it("lists every route of a new router, but not cache keys, HTTP client calls or commented-out code", () => {
    expect(routesIn(base)).toEqual([
      "GET /users",
      "GET /users/:id",
      "POST /users",
      "DELETE /users/:id",
      "GET /users/:id/avatar",
      "PUT /users/:id/avatar",
      "DELETE /users/:id/avatar",
    ]);
  });

  it("reports every route of a deleted router as removed", () => {
    const result = detect({ status: "removed", base, head: null });
    expect(result.findings).toHaveLength(7);
    expect(
      result.findings.every(
        (f) => f.kind === "api-breaking" && f.detail.endsWith(" route removed"),
      ),
    ).toBe(true);
  });
});

describe("routesDetector on a patch of an Express app", () => {
  const result = detect({
    path: "src/server.js",
    status: "modified",
    patch: fixture("server.patch"),
  });

  it("treats reordered routes and changed handlers as no change, and a commented-out route as removed", () => {
    expect(summary(result)).toEqual([
      ["api-breaking", "POST /webhooks/github route removed"],
      ["endpoint-added", "GET /readyz route added"],
    ]);
    expect(result.findings.map((f) => f.line)).toEqual([39, 36]);
  });

  it("does not mistake the two-argument responseCache.get(`/errors/...`, opts) for a route", () => {
    expect(result.findings.some((f) => f.detail.includes("/errors"))).toBe(false);
  });
});

describe("routesDetector on a NestJS controller", () => {
  const base = fixture("channels.controller.base.ts");
  const head = fixture("channels.controller.head.ts");
  const expected: [string, string][] = [
    ["api-breaking", "DELETE /channels/:channelId route removed"],
    ["endpoint-added", "GET /channels/:channelId/members route added"],
    ["endpoint-added", "PATCH /channels/:channelId route added"],
  ];

  it("joins method decorators with the @Controller prefix", () => {
    const result = detect({
      path: "src/channels/channels.controller.ts",
      status: "modified",
      base,
      head,
    });
    expect(summary(result)).toEqual(expected);
    expect(result.findings[0]?.line).toBe(lineOf(base, '@Delete(":channelId")'));
  });

  it("carries the prefix from an earlier hunk of the patch that shows @Controller", () => {
    const result = detect({
      path: "src/channels/channels.controller.ts",
      status: "modified",
      patch: fixture("channels.controller.patch"),
    });
    expect(summary(result)).toEqual(expected);
  });

  it("lists @Get() as the controller root", () => {
    expect(routesIn(base)).toEqual([
      "GET /channels",
      "GET /channels/:channelId",
      "POST /channels",
      "POST /channels/:channelId/archive",
      "DELETE /channels/:channelId",
    ]);
  });

  it("says so when the patch does not show the controller prefix", () => {
    const result = detect({
      path: "src/channels/members.controller.ts",
      status: "modified",
      patch: fixture("members.controller.patch"),
    });
    expect(summary(result)).toEqual([
      ["api-breaking", "PUT /:userId/role route removed (controller prefix not in the patch)"],
      ["endpoint-added", "PATCH /:userId/role route added (controller prefix not in the patch)"],
      ["endpoint-added", "DELETE /:userId route added (controller prefix not in the patch)"],
    ]);
    expect(result.findings.map((f) => f.line)).toEqual([63, 63, 68]);
  });

  it("flags a changed @Controller prefix, which moves routes outside the patch", () => {
    const result = detect({
      path: "src/webhooks/webhooks.controller.ts",
      status: "modified",
      patch: fixture("controller-prefix.patch"),
    });
    expect(result.findings).toEqual([
      {
        kind: "api-breaking",
        path: "src/webhooks/webhooks.controller.ts",
        detail: "controller prefix /webhooks changed to /integrations/webhooks: its routes moved",
        line: 12,
      },
    ]);
  });

  it("does not flag a controller whose prefix is unchanged", () => {
    const source =
      '@Controller("webhooks")\nexport class WebhooksController {\n  @Get()\n  list() {}\n}\n';
    const reformatted =
      "@Controller('webhooks')\nexport class WebhooksController {\n  @Get()\n  list() {}\n}\n";
    expect(detect({ status: "modified", base: source, head: reformatted }).findings).toEqual([]);
  });
});

describe("routesDetector on a Fastify plugin", () => {
  const base = fixture("messages.plugin.base.ts");
  const head = fixture("messages.plugin.head.ts");
  const expected: [string, string][] = [
    ["api-breaking", "HEAD /channels/:channelId/messages/:messageId route removed"],
    ["endpoint-added", "PUT /channels/:channelId/messages/:messageId route added"],
  ];

  it("reads shorthand methods with type arguments and route objects with method arrays", () => {
    expect(routesIn(base)).toEqual([
      "GET /channels/:channelId/messages",
      "POST /channels/:channelId/messages",
      "GET /channels/:channelId/messages/:messageId",
      "HEAD /channels/:channelId/messages/:messageId",
      "DELETE /channels/:channelId/messages/:messageId",
    ]);
  });

  it("notices a method dropped from a route object's method array", () => {
    expect(
      summary(detect({ path: "src/plugins/messages.ts", status: "modified", base, head })),
    ).toEqual(expected);
    expect(
      summary(
        detect({
          path: "src/plugins/messages.ts",
          status: "modified",
          patch: fixture("messages.plugin.patch"),
        }),
      ),
    ).toEqual(expected);
  });
});

describe("routesDetector on look-alikes", () => {
  it("ignores Map/Headers/cache lookups and HTTP client calls", () => {
    const source = `
export async function profile(req, res) {
  const session = sessions.get(req.cookies.sid);
  const accept = req.headers.get("accept");
  const hit = cache.get("/users/42");
  const fallback = pageCache.get("/users/42");
  const { data } = await axios.get("/api/users", { params: { limit: 10 } });
  const more = await this.http.get("/api/users/me", { withCredentials: true });
  const other = await client.post("/v1/messages", { text: "hi" });
  const route = router.get("/lonely");
  return res.json({ session, accept, hit, fallback, data, more, other, route });
}
`;
    expect(routesIn(source)).toEqual([]);
  });

  it("ignores template literals with interpolation and non-slash first arguments", () => {
    const source =
      "app.get(`${API_PREFIX}/users`, listUsers);\napp.get('env', readEnv);\napp.set('trust proxy', 1);\n";
    expect(routesIn(source)).toEqual([]);
  });

  it("accepts del/all aliases, Koa-router named routes and plain template literals", () => {
    const source = [
      'router.del("/sessions/:id", logout);',
      "app.all('/legacy/*', legacyProxy);",
      "router.get('user-profile', '/profile/:handle', showProfile);",
      "api.post(`/uploads`, multer().single('file'), upload);",
    ].join("\n");
    expect(routesIn(source)).toEqual([
      "DELETE /sessions/:id",
      "ALL /legacy/*",
      "GET /profile/:handle",
      "POST /uploads",
    ]);
  });

  it("ignores routes inside block comments", () => {
    const source =
      '/*\n * Example:\n *   app.get("/example", handler);\n */\napp.get("/real", handler);\n';
    expect(routesIn(source)).toEqual(["GET /real"]);
  });
});

describe("routesDetector route identity", () => {
  it("treats :id, {id} and renamed parameters alike, and ignores trailing slashes", () => {
    expect(normalisePath("/users/:id")).toBe(normalisePath("/users/{id}"));
    expect(normalisePath("/users/:userId/")).toBe(normalisePath("/users/:id"));
    expect(normalisePath("/users/:id")).not.toBe(normalisePath("/users/:id/avatar"));
    expect(normalisePath("/")).toBe("/");
  });

  it("does not report a route whose parameter was renamed", () => {
    const base = 'router.get("/channels/:id/pins", listPins);\n';
    const head = 'router.get("/channels/:channelId/pins", listPins);\n';
    expect(detect({ status: "modified", base, head }).findings).toEqual([]);
  });

  it("does not report a route moved within the file (patch)", () => {
    const patch = [
      '@@ -10,9 +10,9 @@ const router = new Router({ prefix: "/v1" });',
      " router.use(authenticate);",
      " ",
      '-router.get("/channels", listChannels);',
      ' router.post("/channels", createChannel);',
      '+router.get("/channels", listChannels);',
      ' router.get("/channels/:id", getChannel);',
      " ",
      ' router.patch("/channels/:id", updateChannel);',
      " ",
      " export default router;",
    ].join("\n");
    expect(detect({ status: "modified", patch }).findings).toEqual([]);
  });

  it("reports the same method on a different path as a removal and an addition", () => {
    const base = 'router.get("/channels/:id/members", listMembers);\n';
    const head = 'router.get("/channels/:id/participants", listMembers);\n';
    expect(summary(detect({ status: "modified", base, head }))).toEqual([
      ["api-breaking", "GET /channels/:id/members route removed"],
      ["endpoint-added", "GET /channels/:id/participants route added"],
    ]);
  });
});

describe("routesDetector without patch or content", () => {
  it("assumes the worst for a modified file", () => {
    const result = detect({ status: "modified", additions: 900, deletions: 650, changes: 1550 });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ kind: "api-breaking", conservative: true });
    expect(result.problems).toEqual([
      {
        path: "src/api/routes.ts",
        detector: "routes",
        message:
          "GitHub sent no diff for it (1,550 changed lines) and its content was not loaded; split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read",
      },
    ]);
  });

  it("assumes the worst for a rename whose 5,500 changed lines GitHub did not diff", () => {
    // GitHub's list-files entry: renamed, counted, and no `patch` because the diff is too large.
    const result = routesDetector.detect(
      {
        path: "src/api/users.controller.ts",
        previousPath: "src/api/users.ts",
        status: "renamed",
        additions: 2900,
        deletions: 2600,
        changes: 5500,
      },
      SETTINGS,
    );
    expect(result.findings).toEqual([
      {
        kind: "api-breaking",
        path: "src/api/users.controller.ts",
        detail:
          "could not look for route changes (GitHub sent no diff for it (renamed from src/api/users.ts, 5,500 changed lines) and its content was not loaded; split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read); assuming routes were removed",
        conservative: true,
      },
    ]);
  });

  it("reads the content of such a rename when it was loaded", () => {
    const result = routesDetector.detect(
      {
        path: "src/api/users.router.ts",
        previousPath: "src/api/users.ts",
        status: "renamed",
        changes: 5500,
        base: fixture("users.router.base.ts"),
        head: fixture("users.router.head.ts"),
      },
      SETTINGS,
    );
    expect(result.problems).toEqual([]);
    expect(result.findings.map((f) => [f.kind, f.detail, f.conservative])).toEqual([
      ["api-breaking", "DELETE /users/:id route removed", undefined],
      ["api-breaking", "DELETE /users/:id/avatar route removed", undefined],
      ["endpoint-added", "PATCH /users/:id route added", undefined],
    ]);
  });

  it("finds nothing in a pure rename, but 0 counted lines alone do not make one (a binary file counts 0)", () => {
    const moved = {
      status: "renamed" as const,
      previousPath: "src/api/old-routes.ts",
      additions: 0,
      deletions: 0,
      changes: 0,
    };
    const routes = fixture("users.router.base.ts");
    expect(detect({ ...moved, base: routes, head: routes })).toEqual({
      findings: [],
      problems: [],
    });
    expect(detect(moved).findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["api-breaking", true],
    ]);
  });

  it("assumes the worst for a rename nobody counted the changes of", () => {
    expect(
      detect({ status: "renamed", previousPath: "src/api/old-routes.ts" }).findings,
    ).toMatchObject([{ kind: "api-breaking", conservative: true }]);
  });
});
