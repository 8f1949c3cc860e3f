import assert from "node:assert/strict";
import { listJobs } from "../outbox/mod.ts";
import { deleteMessage, editMessage } from "./message_changes.ts";
import {
  type ChatMessage,
  listMessages,
  MAX_MESSAGE_LENGTH,
  messageKey,
  postMessage,
} from "./messages.ts";
import { createRoom, removeMember } from "./rooms.ts";
import {
  granted,
  inviteAndJoin,
  refused,
  signIn,
  user,
  withKv,
} from "./test_helpers.ts";

const alice = user("alice", "Alice");
const bob = user("bob", "BOB");

async function post(
  kv: Deno.Kv,
  who: typeof alice,
  roomId: string,
  text = "hi",
) {
  const { message } = await postMessage(kv, {
    access: await granted(kv, who, roomId),
    user: who,
    text,
    clientMessageId: `send-${crypto.randomUUID()}`,
  });
  return message;
}

async function stored(kv: Deno.Kv, m: ChatMessage) {
  return (await kv.get<ChatMessage>(messageKey(m.roomId, m.id))).value;
}

async function publishJobsOf(kv: Deno.Kv, messageId: string) {
  return (await listJobs(kv)).filter((e) =>
    (e.job as { messageId?: string }).messageId === messageId
  ).length;
}

Deno.test("editMessage: the author sets new text one version up with editedAt and its publish job; the same text changes nothing", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice);
    const posted = await post(kv, alice, "lobby", "helo");
    const jobs = await publishJobsOf(kv, posted.id);
    const input = {
      access: await granted(kv, alice, "lobby"),
      user: alice,
      messageId: posted.id,
      text: "  hello ",
    };
    const edited = await editMessage(kv, input, { now: () => 42 });
    assert.deepEqual(edited.message, {
      ...posted,
      text: "hello",
      editedAt: 42,
      version: 1,
    });
    assert.ok(edited.job);
    assert.deepEqual(await stored(kv, posted), edited.message);
    assert.equal(await publishJobsOf(kv, posted.id), jobs + 1);
    const again = await editMessage(kv, input);
    assert.deepEqual(again, { message: edited.message, job: null });
    const twice = await editMessage(kv, { ...input, text: "hello!" });
    assert.equal(twice.message.version, 2);
  });
});

Deno.test("editMessage: only the author, only text posting allows, never a deleted or unknown message", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice, bob);
    const posted = await post(kv, alice, "lobby");
    const asBob = {
      access: await granted(kv, bob, "lobby"),
      user: bob,
      messageId: posted.id,
      text: "mine now",
    };
    await assert.rejects(editMessage(kv, asBob), refused("forbidden"));
    const asAlice = {
      ...asBob,
      access: await granted(kv, alice, "lobby"),
      user: alice,
    };
    for (
      const text of [
        "",
        "  ",
        "a\u202eb",
        "x".repeat(MAX_MESSAGE_LENGTH + 1),
        7,
      ]
    ) {
      await assert.rejects(
        editMessage(kv, { ...asAlice, text }),
        refused("invalid_input"),
      );
    }
    for (const messageId of ["01JABCDEFGHJKMNPQRSTVWXYZ0", "nope", "", 7]) {
      await assert.rejects(
        editMessage(kv, { ...asAlice, messageId }),
        refused("not_found"),
      );
    }
    await deleteMessage(kv, asAlice);
    await assert.rejects(editMessage(kv, asAlice), refused("not_found"));
    assert.equal((await stored(kv, posted))?.text, "");
  });
});

Deno.test("deleteMessage: a tombstone without text, one version up, kept in paging; again it is answered as it is", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice);
    const posted = await post(kv, alice, "lobby", "secret");
    const input = {
      access: await granted(kv, alice, "lobby"),
      user: alice,
      messageId: posted.id,
    };
    await editMessage(kv, { ...input, text: "still secret" });
    const deleted = await deleteMessage(kv, input, { now: () => 99 });
    assert.deepEqual(deleted.message, {
      id: posted.id,
      roomId: "lobby",
      clientId: alice.id,
      name: "Alice",
      text: "",
      at: posted.at,
      deletedAt: 99,
      version: 2,
    });
    const raw = await stored(kv, posted);
    assert.deepEqual(raw, deleted.message);
    assert.ok(!JSON.stringify(raw).includes("secret"));
    const jobs = await publishJobsOf(kv, posted.id);
    const again = await deleteMessage(kv, input);
    assert.deepEqual(again, { message: deleted.message, job: null });
    assert.equal(await publishJobsOf(kv, posted.id), jobs, "no new job");
    const page = await listMessages(kv, input.access);
    assert.deepEqual(page.messages, [deleted.message]);
  });
});

Deno.test("deleteMessage: the owner moderates their room, a member only their own, nobody the lobby", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice, bob);
    const room = await createRoom(kv, alice, { name: "Ours", private: true });
    await inviteAndJoin(kv, alice, room.id, "bob");
    const alices = await post(kv, alice, room.id);
    const bobs = await post(kv, bob, room.id);
    await assert.rejects(
      deleteMessage(kv, {
        access: await granted(kv, bob, room.id),
        user: bob,
        messageId: alices.id,
      }),
      refused("forbidden"),
    );
    const moderated = await deleteMessage(kv, {
      access: await granted(kv, alice, room.id),
      user: alice,
      messageId: bobs.id,
    });
    assert.equal(moderated.message.text, "");
    const lobbyBobs = await post(kv, bob, "lobby");
    await assert.rejects(
      deleteMessage(kv, {
        access: await granted(kv, alice, "lobby"),
        user: alice,
        messageId: lobbyBobs.id,
      }),
      refused("forbidden"),
    );
  });
});

Deno.test("a change from a member removed since the policy answered is refused, nothing stored", async () => {
  await withKv(async (kv) => {
    await signIn(kv, alice, bob);
    const room = await createRoom(kv, alice, { name: "Ours", private: true });
    await inviteAndJoin(kv, alice, room.id, "bob");
    const bobs = await post(kv, bob, room.id);
    const stale = await granted(kv, bob, room.id);
    await removeMember(kv, alice, room.id, bob.id);
    const input = { access: stale, user: bob, messageId: bobs.id };
    await assert.rejects(
      editMessage(kv, { ...input, text: "late" }),
      refused("not_found"),
    );
    await assert.rejects(deleteMessage(kv, input), refused("not_found"));
    assert.deepEqual(await stored(kv, bobs), bobs);
  });
});
