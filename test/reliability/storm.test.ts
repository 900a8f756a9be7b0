/**
 * Deliveries duplicated, reordered and concurrent, against the real server: a pull
 * request is opened, then a burst of activity happens on GitHub (reviews, a
 * dismissal, sign-off commands, chatter, labels, a title edit, a re-run), and the
 * 20 webhooks it causes — each payload built at the moment of its event, as GitHub
 * builds them, several delivered twice, a late redelivery of `opened` among them —
 * arrive at once in a seeded random order.
 *
 * After everything settles, the check must say what one clean evaluation of the
 * final state says, and no check-run write at any point may have claimed a success
 * that state does not justify. Each storm's seed is in its name: a failure replays.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  AppServer,
  AUTHOR,
  counters,
  latestRun,
  oracle,
  prng,
  settle,
  shuffle,
  startWorld,
  TITLE,
  verdictOf,
  writesOn,
  type Verdict,
  type World,
} from "./harness.js";

const counts = counters("storm");
afterAll(() => counts.save());

interface Delivery {
  /** What happened, for messages. */
  what: string;
  name: string;
  payload: Record<string, unknown>;
}

/** The labels a delivery's payload shows on the pull request (what the app evaluates for review/label events). */
function payloadLabels(d: Delivery): string[] {
  const pr = (d.payload.pull_request ?? d.payload.issue) as
    { labels?: { name?: string }[] } | undefined;
  return (pr?.labels ?? []).map((l) => l.name ?? "");
}

/**
 * The burst. `finalLabel`: a label added as the very last thing (a level-4
 * `architecture` turns a pass into a failure). Returns the 20 deliveries in
 * event order and the ids of the comments that must be answered once each.
 */
function burst(
  world: World,
  opened: Delivery,
  finalLabel?: string,
): { deliveries: Delivery[]; author: number; explain: number; signOff: number } {
  const { github, events } = world;
  const head = github.seed.pull.headSha;
  const out: Delivery[] = [];
  const add = (what: string, e: { name: string; payload: Record<string, unknown> }) =>
    out.push({ what, ...e });

  github.labels = ["db"];
  add("labeled db", events.labeled("db"));
  const chatter = github.addComment(
    "bob",
    "LGTM from the backend team. `/approve-level3` is for the leads.",
  );
  add("comment: bob chatter", events.comment(chatter));
  const dan = github.addReview("dan", "APPROVED", head, "DBA: fine, the column is unused.");
  add("review: dan approved", events.review(dan));
  const beaQuestion = github.addReview("bea", "COMMENTED", head, "Is the media service live?");
  add("review: bea commented", events.review(beaQuestion));
  const samBlock = github.addReview(
    "sam",
    "CHANGES_REQUESTED",
    head,
    "Wait for the replica lag fix.",
  );
  add("review: sam requested changes", events.review(samBlock));
  const bea = github.addReview("bea", "APPROVED", head);
  add("review: bea approved", events.review(bea));
  const author = github.addComment(AUTHOR, "/approve-level3");
  add("comment: author's /approve-level3", events.comment(author));
  github.dismissReview(samBlock.id);
  add("review: sam's dismissed", events.review(samBlock, "dismissed"));
  const signOff = github.addComment("sam", "/approve-level3\n\nReplica lag is fixed.");
  add("comment: sam /approve-level3", events.comment(signOff));
  const explain = github.addComment("bob", "/governance explain");
  add("comment: /governance explain", events.comment(explain));
  const oldTitle = github.seed.pull.title;
  github.seed.pull.title = "Drop User.avatarUrl (media service owns avatars)";
  add("title edited", events.titleEdited(oldTitle));
  github.labels = ["db", "needs-review"];
  add("labeled needs-review", events.labeled("needs-review"));
  github.labels = ["db"];
  add("unlabeled needs-review", events.unlabeled("needs-review"));
  add("check run re-requested", events.checkRunRerequested());
  if (finalLabel) {
    github.labels = ["db", finalLabel];
    add(`labeled ${finalLabel}`, events.labeled(finalLabel));
  }

  // Duplicates (GitHub redelivers; a retried delivery carries the same payload) and a late `opened`.
  const again = (what: string) => {
    const d = out.find((x) => x.what === what);
    if (!d) throw new Error(`no ${what}`);
    out.push({ ...d, what: `${d.what} (again)` });
  };
  again("review: dan approved");
  again("comment: sam /approve-level3");
  again("comment: author's /approve-level3");
  again("comment: /governance explain");
  if (!finalLabel) again("labeled db");
  out.push({ ...opened, what: "opened (late redelivery)" });
  expect(out).toHaveLength(20);
  return {
    deliveries: out,
    author: author.id as number,
    explain: explain.id as number,
    signOff: signOff.id as number,
  };
}

async function storm(
  name: string,
  seed: number,
  options: { finalLabel?: string; expected: Verdict },
): Promise<void> {
  const world = await startWorld(`storm ${name} ${seed}`);
  const { github, server, events } = world;
  const head = github.seed.pull.headSha;
  try {
    // The pull request is opened and its check created (GitHub's record of the head's arrival) …
    const opened: Delivery = { what: "opened", ...events.pullRequest("opened") };
    const first = await server.deliver(opened.name, opened.payload);
    counts.eventsDelivered++;
    await settle(world, [first.id]);
    expect(verdictOf(latestRun(github, head))).toEqual({
      conclusion: "failure",
      title: TITLE.open,
    });

    // … then the burst, all at once, in a seeded random order.
    const { deliveries, author, explain, signOff } = burst(world, opened, options.finalLabel);
    const order = shuffle(deliveries, prng(seed));
    const byId = new Map<string, Delivery>();
    const sent = await Promise.all(
      order.map(async (d) => {
        const result = await server.deliver(d.name, d.payload);
        byId.set(result.id, d);
        return result;
      }),
    );
    counts.eventsDelivered += sent.length;
    // 200 once handled; 202 when Probot's 9 s webhook timeout passed while the delivery waited its turn.
    expect(sent.filter((s) => s.status !== 200 && s.status !== 202)).toEqual([]);
    await settle(
      world,
      sent.map((s) => s.id),
    );

    const truth = await oracle(github);
    expect(truth, "the oracle agrees with the scenario").toEqual(options.expected);
    const final = verdictOf(latestRun(github, head));

    // Which delivery each evaluation was (the app handles one pull request's events one at a time, so log order is write order).
    const evaluations = server
      .log()
      .filter((l) => l.id && byId.has(l.id) && l.msg === "governance evaluated")
      .map((l) => ({ delivery: byId.get(l.id!)!, time: l.time ?? 0 }));
    const last = evaluations.at(-1)?.delivery;

    // 1. Never a success the final state does not justify. The state is final before the
    // first burst delivery is handled, so when it says "failure" no write in the burst may say "success".
    const successes = writesOn(github, head).filter((w) => w.conclusion === "success");
    // Each write belongs to the evaluation that logged next (one evaluation at a time per pull request).
    const writers = github.checkRunWrites
      .filter((w) => (w.body as { conclusion?: string } | undefined)?.conclusion === "success")
      .map((w) => evaluations.find((e) => e.time >= w.at)?.delivery)
      .map((d) =>
        d
          ? `"${d.what}" (payload labels ${JSON.stringify(payloadLabels(d))})`
          : "(no evaluation logged)",
      );
    const unjustified = truth.conclusion === "success" ? [] : successes;
    expect(
      unjustified,
      `seed ${seed}: success written while the final state says ${JSON.stringify(truth)}, by ${writers.join(", ")}`,
    ).toEqual([]);

    // 2. The final check is the final truth.
    expect(final, `seed ${seed}: the final check (last evaluated: ${last?.what})`).toEqual(truth);

    // 3. Idempotent under duplicates: one run, one reply per answered comment, the sign-off acknowledged.
    expect(github.checkRuns.filter((r) => r.head_sha === head)).toHaveLength(1);
    const replies = (id: number) =>
      github.comments.filter((c) =>
        String(c.body).includes(`<!-- governance-gate:reply-to:${id} -->`),
      );
    expect(replies(author), "one reply to the author's own /approve-level3").toHaveLength(1);
    expect(String(replies(author)[0]?.body)).toMatch(/did not count/);
    expect(replies(explain), "one /governance explain answer").toHaveLength(1);
    expect(github.reactions.some((r) => r.commentId === signOff && r.content === "+1")).toBe(true);
    expect(server.handlerErrors().map((l) => l.msg)).toEqual([]);
    expect(github.unexpected).toEqual([]);
  } finally {
    await world.close();
  }
}

describe.concurrent("20 deliveries at once, duplicated and reordered", () => {
  for (const seed of [1, 2]) {
    it(`every approval lands in the burst: the check ends at 3 of 3 (seed ${seed})`, async () => {
      await storm("approvals", seed, { expected: { conclusion: "success", title: TITLE.done } });
    });
    it(`a level-4 label lands last: never a pass (seed ${seed})`, async () => {
      await storm("level 4", seed, {
        finalLabel: "architecture",
        expected: {
          conclusion: "failure",
          title: "Level 4 — executive approval: 4 of 5 sign-offs",
        },
      });
    });
  }
});

describe.concurrent(
  "late deliveries, one at a time (the orderings the storms may or may not hit)",
  () => {
    it("a redelivered `opened` after the approvals: the check stays at the truth", async () => {
      const world = await startWorld("late opened");
      const { github, server, events } = world;
      const head = github.seed.pull.headSha;
      const send = async (e: { name: string; payload: object }) => {
        const s = await server.deliver(e.name, e.payload);
        counts.eventsDelivered++;
        await settle(world, [s.id]);
      };
      try {
        const opened = events.pullRequest("opened");
        await send(opened);
        const reviews = ["dan", "bea", "sam"].map((login) =>
          github.addReview(login, "APPROVED", head),
        );
        await send(events.review(reviews[2]!));
        expect(verdictOf(latestRun(github, head))).toEqual({
          conclusion: "success",
          title: TITLE.done,
        });
        await send(opened);
        const truth = await oracle(github);
        expect(truth).toEqual({ conclusion: "success", title: TITLE.done });
        expect(
          verdictOf(latestRun(github, head)),
          'after a redelivered "opened" (it must read the reviews, not fall back to 0 sign-offs)',
        ).toEqual(truth);
      } finally {
        await world.close();
      }
    });

    it("a review delivered after a level-raising label, carrying the labels from before it: never a pass", async () => {
      const world = await startWorld("stale review");
      const { github, server, events } = world;
      const head = github.seed.pull.headSha;
      const send = async (e: { name: string; payload: object }) => {
        const s = await server.deliver(e.name, e.payload);
        counts.eventsDelivered++;
        await settle(world, [s.id]);
      };
      try {
        await send(events.pullRequest("opened"));
        const reviews = ["dan", "bea", "sam"].map((login) =>
          github.addReview(login, "APPROVED", head),
        );
        const late = events.review(reviews[2]!); // built now: no `architecture` label yet
        github.labels = ["architecture"];
        await send(events.labeled("architecture"));
        expect(verdictOf(latestRun(github, head))?.conclusion).toBe("failure");
        await send(late); // GitHub delivered sam's review late
        const truth = await oracle(github);
        expect(truth.conclusion).toBe("failure");
        // The labels come from GitHub, not from the late payload: no write ever passed, and the check is the truth.
        expect(
          writesOn(github, head).filter((w) => w.conclusion === "success"),
          "a success written for the late review's stale labels",
        ).toEqual([]);
        expect(verdictOf(latestRun(github, head)), "after the late review").toEqual(truth);
      } finally {
        await world.close();
      }
    });
  },
);

describe.concurrent("two replicas behind one webhook URL", () => {
  it("the check GitHub shows (the latest run) follows the truth when events for one pull request land on different replicas", async () => {
    const world = await startWorld("replicas");
    const second = await AppServer.start(world.github);
    const { github, events } = world;
    const head = github.seed.pull.headSha;
    const replicas = [world.server, second];
    const on = (i: number) => ({ ...world, server: replicas[i]! });
    const shownAfter = async (what: string) => {
      const truth = await oracle(github);
      const shown = verdictOf(latestRun(github, head));
      const runs = github.checkRuns.filter((r) => r.head_sha === head).length;
      // The run GitHub shows says what the state says (so never a pass it does not justify), however many runs the replicas made.
      expect(shown, `${what}: GitHub shows (on the latest of ${runs} runs)`).toEqual(truth);
    };
    try {
      // A pull request opened with a label: GitHub sends opened and labeled together, and they land on different replicas.
      github.labels = ["db"];
      const opened = events.pullRequest("opened");
      const labeled = events.labeled("db");
      const first = await Promise.all([
        replicas[0]!.deliver(opened.name, opened.payload),
        replicas[1]!.deliver(labeled.name, labeled.payload),
      ]);
      counts.eventsDelivered += first.length;
      await settle(on(0), [first[0]!.id]);
      await settle(on(1), [first[1]!.id]);
      await shownAfter("opened + labeled");

      // Three approvals, one review event per replica in turn.
      const reviews = ["dan", "bea", "sam"].map((login) =>
        github.addReview(login, "APPROVED", head),
      );
      for (const [i, rv] of reviews.entries()) {
        const e = events.review(rv);
        const s = await replicas[i % 2]!.deliver(e.name, e.payload);
        counts.eventsDelivered++;
        await settle(on(i % 2), [s.id]);
      }
      await shownAfter("three approvals");

      // A level-4 label, delivered once, to whichever replica GitHub's load balancer picks: each in turn.
      github.labels = ["db", "architecture"];
      for (const i of [0, 1]) {
        const e = events.labeled("architecture");
        const s = await replicas[i]!.deliver(e.name, e.payload);
        counts.eventsDelivered++;
        await settle(on(i), [s.id]);
        await shownAfter(`labeled architecture, handled by replica ${i + 1}`);
        if (i === 0) {
          // Undo for the second round: the label event reaches the other replica alone.
          github.labels = ["db"];
          const back = events.unlabeled("architecture");
          const u = await replicas[1]!.deliver(back.name, back.payload);
          const v = await replicas[0]!.deliver(back.name, back.payload);
          counts.eventsDelivered += 2;
          await settle(on(1), [u.id]);
          await settle(on(0), [v.id]);
          github.labels = ["db", "architecture"];
        }
      }
    } finally {
      await second.stop();
      await world.close();
    }
  });
});
