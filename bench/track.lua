-- wrk script: POSTs Segment track messages (~600 bytes each) with unique messageIds.
-- BATCH=1 sends one message per request; BATCH=N a bare JSON array of N (Webhooks (Actions) batching).
-- PREFIX keeps messageIds of different runs apart. Counts 200 responses per thread for the stored-count check.
-- RANDOM_IDS=1 makes messageIds random after the prefix, as Segment's are, instead of a counter: every insert
-- then lands on a random page of the idempotency index.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local template = '{"type":"track","event":"Order Completed","userId":"user-%d","messageId":"%s",' ..
  '"timestamp":"2026-11-28T10:%02d:%02d.000Z","properties":{"groupId":"acct-%d","orderId":"ord-%d","total":129.99,' ..
  '"currency":"USD","coupon":"WINTER","items":%d,"shipping":"express","category":"hardware","firstOrder":false},' ..
  '"context":{"library":{"name":"analytics-node","version":"2.1.0"},"ip":"203.0.113.7",' ..
  '"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",' ..
  '"page":{"path":"/checkout","url":"https://shop.example.com/checkout"}},"sentAt":"2026-11-28T10:00:00.000Z"}'

local counter = 0
local batch, prefix, path, random_ids
ok = 0
sent = 0

function init(args)
  batch = tonumber(os.getenv("BATCH") or "1")
  prefix = (os.getenv("PREFIX") or "m") .. "-" .. tid .. "-"
  path = os.getenv("INGEST_PATH")
  random_ids = os.getenv("RANDOM_IDS") == "1"
  math.randomseed(os.time() * 100 + tid)
end

local function message_id(n)
  if not random_ids then return prefix .. n end
  return prefix .. string.format("%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), n)
end

local function message()
  counter = counter + 1
  local n = counter
  return string.format(template, n % 1000, message_id(n), math.floor(n / 60) % 60, n % 60, n % 97, n, n % 7 + 1)
end

local headers = { ["Content-Type"] = "application/json" }

function request()
  local body
  if batch == 1 then
    body = message()
  else
    local parts = {}
    for i = 1, batch do parts[i] = message() end
    body = "[" .. table.concat(parts, ",") .. "]"
  end
  sent = sent + 1
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_sent = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_sent = total_sent + t:get("sent")
  end
  io.write(string.format("BENCH_OK %d\nBENCH_SENT %d\n", total_ok, total_sent))
  io.write(string.format("BENCH_P50_US %d\nBENCH_P99_US %d\nBENCH_RPS %.1f\n",
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
