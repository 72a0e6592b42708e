-- POST each path of a single-use pool once (invitation accept): wrk -s pool.lua <url> --
--   <pool file> <threads> <cookie header> <csrf token> <urlencoded body> <filler path> <expected redirect path>
-- A POST counts as ok only when it is a redirect to the expected page (the sign-in or the two-step page is not).
-- Thread i takes the lines i, i+T, i+2T … of the pool in order. When its slice is used up it sends the cheap
-- filler path (never a pool path twice) until every pool request it sent has been answered, then stops.
-- wrk's own duration and rate then mean nothing for this endpoint (its main thread sleeps the full -d), so
-- each thread notes the wall-clock time of its first request and of its last pool answer, and done() prints
-- them with its counts for the harness: rate = pool answers / (last end - first start).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function now()
  local pipe = io.popen("date +%s.%N")
  local value = tonumber(pipe:read("*l"))
  pipe:close()
  return value
end

function init(args)
  local nthreads = tonumber(args[2])
  pool = {}
  local i = 0
  for line in io.lines(args[1]) do
    if line ~= "" then
      if i % nthreads == id then
        pool[#pool + 1] = line
      end
      i = i + 1
    end
  end
  cookie = args[3]
  csrf = args[4]
  body = args[5]
  filler = args[6]
  expected = args[7] or ""
  sent, ok, bad, filled, first_bad, first_location = 0, 0, 0, 0, 0, ""
  t_start, t_end = 0, 0
  verified = (id ~= 0) -- wrk calls request() once on thread 0 before the run to inspect it: never sent
end

function request()
  if not verified then
    verified = true
    return wrk.format("GET", filler, {})
  end
  if sent < #pool then
    if sent == 0 then
      t_start = now()
    end
    sent = sent + 1
    local headers = {
      ["Cookie"] = cookie,
      ["X-CSRFToken"] = csrf,
      ["Referer"] = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port .. "/",
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Forwarded-For"] = string.format("10.%d.%d.%d", 128 + id % 128, math.floor(sent / 256) % 256, sent % 256),
    }
    return wrk.format("POST", pool[sent], headers, body)
  end
  return wrk.format("GET", filler, {})
end

function response(status, headers, resp_body)
  local location = (headers["Location"] or headers["location"] or ""):gsub("^https?://[^/]+", "")
  if resp_body == "hello\n" then
    filled = filled + 1
  elseif (status == 302 or status == 303) and location:sub(1, #expected) == expected then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == 0 then
      first_bad = status
      first_location = location
    end
  end
  if sent == #pool and ok + bad >= sent and t_end == 0 then
    t_end = now()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("POOL thread=%d sent=%d ok=%d bad=%d filler=%d first_bad=%d start=%.6f end=%.6f\n",
      t:get("id"), t:get("sent"), t:get("ok"), t:get("bad"), t:get("filled"), t:get("first_bad"),
      t:get("t_start"), t:get("t_end")))
    io.write(string.format("CHECK thread=%d answered=%d bad=%d first_bad=%d location=%s\n", t:get("id"),
      t:get("ok") + t:get("bad"), t:get("bad"), t:get("first_bad"), t:get("first_location")))
  end
end
