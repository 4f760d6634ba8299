#!/usr/bin/env bash
# The README's curl walkthrough as one script: a requester and a contributor do the whole earn loop against a
# running `earnest serve`. Needs curl and jq. Usage: docs/walkthrough.sh [API base URL] (default http://127.0.0.1:5080)
set -euo pipefail
API=${1:-http://127.0.0.1:5080}
EARNEST=${EARNEST:-.bin/earnest}
work=$(mktemp -d)

# --- sign in with a wallet key: ask for a challenge, sign its exact bytes, exchange it for a token
signin() { # signin KEYFILE -> prints a bearer token
  local addr msg sig
  addr=$($EARNEST wallet address --key "$1")
  msg=$(curl -sf "$API/v1/auth/challenge" -H 'content-type: application/json' -d "{\"address\":\"$addr\"}" | jq -r .message)
  sig=$(printf '%s' "$msg" | $EARNEST wallet sign --key "$1" -)
  jq -n --arg a "$addr" --arg m "$msg" --arg s "$sig" '{address:$a,message:$m,signature:$s}' |
    curl -sf "$API/v1/auth/token" -H 'content-type: application/json' -d @- | jq -r .token
}
$EARNEST wallet new --out "$work/requester.key"
$EARNEST wallet new --out "$work/contributor.key"
R="authorization: Bearer $(signin "$work/requester.key")"
C="authorization: Bearer $(signin "$work/contributor.key")"
J='content-type: application/json'

# --- the requester funds itself (dev network), creates a campaign, adds tasks (one gold), publishes
curl -sf "$API/v1/faucet" -H "$R" -H "$J" -d '{"amount": 1000000}' | jq '{transferId, amount}'
CAMPAIGN=$(curl -sf "$API/v1/campaigns" -H "$R" -H "$J" -d '{"title": "Is this review positive?",
  "instructions": "Read the review and pick its sentiment.", "kind": "classification",
  "labels": ["positive", "negative"], "reward": 2000, "budget": 600000, "overlap": 1}' | jq -r .id)
curl -sf "$API/v1/campaigns/$CAMPAIGN/tasks" -H "$R" -H "$J" -d '{"tasks": [
  {"id": "r-1", "data": {"text": "Loved every minute."}, "gold": "positive"},
  {"id": "r-2", "data": {"text": "Broke after a day."}}]}' | jq -c .
curl -sf -X POST "$API/v1/campaigns/$CAMPAIGN/publish" -H "$R" | jq -c '{status, escrow}'

# --- the contributor asks for work and answers until there is none (204); accepted answers are paid at once
while true; do
  lease=$(curl -s -w '\n%{http_code}' -X POST "$API/v1/assignments" -H "$C" -H "$J" -d "{\"campaignId\": \"$CAMPAIGN\"}")
  [ "$(tail -n1 <<<"$lease")" = 201 ] || break
  id=$(head -n1 <<<"$lease" | jq -r .id)
  text=$(head -n1 <<<"$lease" | jq -r .data.text)
  answer=negative; [[ $text == Loved* ]] && answer=positive
  curl -sf "$API/v1/assignments/$id/submission" -H "$C" -H "$J" -d "{\"answer\": \"$answer\"}" |
    tee "$work/last.json" | jq -c '{status, reason, paid: .payment.amount}'
done

# --- anyone can check a receipt offline against the network key: the transfer's signature, and the Merkle proof
# --- from its bytes to the signed header of the block it was sealed in
curl -sf "$API/v1/accounts/me/transfers" -H "$C" | jq '.[0]' > "$work/transfer.json"
curl -sf "$API/v1/receipts/$(jq -r .id "$work/transfer.json")" -H "$C" > "$work/receipt.json"
$EARNEST verify-receipt "$work/receipt.json" --signer "$(curl -sf "$API/v1/ledger/key" | jq -r .signer)"
curl -sf "$API/v1/ledger/head" | jq -c '{height, hash, count}'

# --- the requester reads results (JSON or CSV) and closes the campaign; unspent escrow comes back
curl -sf "$API/v1/campaigns/$CAMPAIGN/results" -H "$R" -H 'accept: text/csv'
curl -sf -X POST "$API/v1/campaigns/$CAMPAIGN/close" -H "$R" | jq -c '{status, refunded}'
curl -sf "$API/v1/accounts/me" -H "$C" | jq -c .
rm -rf "$work"
