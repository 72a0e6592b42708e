-- GET one path as one principal: wrk -s get.lua <url> -- <path> <cookie header or ""> [<Authorization or "">
-- [<Content-Type prefix or "">]]
-- Each request carries its own X-Forwarded-For (10.<thread>.<n>) so that per-IP rate limits (the invitation
-- landing page allows 30/min per IP) see many visitors, as in real life, when the app reads the client IP
-- from that header (RATELIMIT_IP_META_KEY). Every endpoint, the ceiling included, pays the same Lua cost.
-- A page goes with the principal's session cookie; an API endpoint with its client's bearer token instead.
-- Every answer must be 200, the page asked for (and, given a Content-Type prefix, of that type: the API's JSON,
-- never a problem document): wrk itself counts a redirect (to the sign-in or the two-step page, say) as a
-- success, so response() counts the others and done() prints them for the harness (CHECK).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  cookie = args[2] or ""
  authorization = args[3] or ""
  content_type = args[4] or ""
  n = 0
  answered, bad, first_bad, first_location = 0, 0, 0, ""
end

function request()
  n = n + 1
  local headers = {["X-Forwarded-For"] = string.format("10.%d.%d.%d", id % 256, math.floor(n / 256) % 256, n % 256)}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  if authorization ~= "" then
    headers["Authorization"] = authorization
    headers["Accept"] = "application/json"
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  answered = answered + 1
  local ok = status == 200
  local got = headers["Content-Type"] or headers["content-type"] or ""
  if ok and content_type ~= "" then
    ok = string.sub(got, 1, #content_type) == content_type
  end
  if not ok then
    bad = bad + 1
    if first_bad == 0 then
      first_bad = status
      first_location = headers["Location"] or headers["location"] or ("(Content-Type " .. got .. ")")
    end
  end
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("CHECK thread=%d answered=%d bad=%d first_bad=%d location=%s\n", t:get("id"),
      t:get("answered"), t:get("bad"), t:get("first_bad"), t:get("first_location")))
  end
end
