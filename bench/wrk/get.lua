-- GET one path as one principal: wrk -s get.lua <url> -- <path> <cookie header or "">
-- Each request carries its own X-Forwarded-For (10.<thread>.<n>) so that per-IP rate limits (the invitation
-- landing page allows 30/min per IP) see many visitors, as in real life, when the app reads the client IP
-- from that header (RATELIMIT_IP_META_KEY). Every endpoint, the ceiling included, pays the same Lua cost.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  cookie = args[2] or ""
  n = 0
end

function request()
  n = n + 1
  local headers = {["X-Forwarded-For"] = string.format("10.%d.%d.%d", id % 256, math.floor(n / 256) % 256, n % 256)}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", path, headers)
end
