// The webhooks view: each webhook's status, how far behind it is, its recent deliveries with
// their last attempt, and a button that sends one again. Read through the public GraphQL API,
// so a team's token shows its team's webhooks only.

import { query } from "./graphql.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;

const WEBHOOKS = `query Webhooks {
  webhooks {
    id url description status disabledReason pending
    deliveries(limit: 5) {
      nodes { eventId status nextAttemptAt attempts { at statusCode durationMs error } }
    }
  }
}`;

const REDELIVER = `mutation Redeliver($webhookId: ID!, $eventId: ID!) {
  redeliverWebhookEvent(webhookId: $webhookId, eventId: $eventId) { status }
}`;

let timer = null;

function text(tag, className, content) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = content ?? "";
  return element;
}

function lastAttempt(delivery) {
  const attempt = delivery.attempts.at(-1);
  if (!attempt) return "not tried yet";
  const outcome = attempt.error || `HTTP ${attempt.statusCode}`;
  const when = attempt.at.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const tries = delivery.attempts.length;
  return `${outcome} · ${attempt.durationMs} ms · ${when} · ${tries} attempt${tries > 1 ? "s" : ""}`;
}

function deliveryRow(hook, delivery) {
  const item = document.createElement("li");
  item.className = "delivery";
  item.append(
    text("span", `delivery-status ${delivery.status.toLowerCase()}`, delivery.status),
    text("code", "event-id", delivery.eventId),
    text("span", "attempt", lastAttempt(delivery)),
  );
  if (delivery.nextAttemptAt) {
    item.append(text("span", "next", `next ${delivery.nextAttemptAt.replace("T", " ")}`));
  }
  const again = text("button", "redeliver", "Redeliver");
  again.type = "button";
  again.dataset.webhook = hook.id;
  again.dataset.event = delivery.eventId;
  item.append(again);
  return item;
}

function webhookItem(hook) {
  const item = document.createElement("li");
  item.className = "webhook";
  item.dataset.id = hook.id;
  const head = document.createElement("div");
  head.className = "webhook-head";
  head.append(
    text("span", `webhook-status ${hook.status.toLowerCase()}`, hook.status),
    Object.assign(text("span", "webhook-url", hook.description || hook.url), { title: hook.url }),
    text("span", "behind", hook.pending ? `${hook.pending} behind` : "up to date"),
  );
  item.append(head);
  if (hook.disabledReason) item.append(text("p", "hint reason", hook.disabledReason));
  const deliveries = document.createElement("ol");
  deliveries.className = "deliveries";
  for (const delivery of hook.deliveries.nodes) deliveries.append(deliveryRow(hook, delivery));
  if (!hook.deliveries.nodes.length) deliveries.append(text("li", "hint", "Nothing sent yet."));
  item.append(deliveries);
  return item;
}

export async function loadWebhooks() {
  clearTimeout(timer);
  try {
    const { webhooks } = await query(WEBHOOKS);
    $("webhooks").replaceChildren(...webhooks.map(webhookItem));
    $("webhooks-empty").hidden = webhooks.length > 0;
    $("webhooks-message").textContent = "";
  } catch (error) {
    $("webhooks-message").textContent = error.message;
  } finally {
    timer = setTimeout(loadWebhooks, REFRESH_MS);
  }
}

$("webhooks").addEventListener("click", async (click) => {
  const button = click.target.closest("button.redeliver");
  if (!button) return;
  button.disabled = true;
  try {
    await query(REDELIVER, { webhookId: button.dataset.webhook, eventId: button.dataset.event });
    button.textContent = "Sent again";
  } catch (error) {
    $("webhooks-message").textContent = error.message;
  }
  setTimeout(loadWebhooks, 500);
});
