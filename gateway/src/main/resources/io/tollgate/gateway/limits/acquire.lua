-- Takes up to n calls from the counters of one key, atomically, exactly as LimitSpec.tryAcquire
-- takes one (policy-compiler, io.tollgate.policy.spi.LimitSpec): a lifetime total, a calendar
-- quota kept for the last four periods, and a token bucket scaled by the rate's unit. Every call
-- is taken at event time ts. Returns {granted, mask of the limits that stopped it}.
-- KEYS[1]: the key's hash. ARGV: total quota kind period permits unit capacity ts n
-- totalBit quotaBit rateBit
local total = tonumber(ARGV[1])
local quota = tonumber(ARGV[2])
local kind = ARGV[3]
local period = tonumber(ARGV[4])
local permits = tonumber(ARGV[5])
local unit = tonumber(ARGV[6])
local capacity = tonumber(ARGV[7])
local ts = tonumber(ARGV[8])
local n = tonumber(ARGV[9])
local TOTAL, QUOTA, RATE = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

local h = redis.call('HGETALL', KEYS[1])
local s = {}
for i = 1, #h, 2 do s[h[i]] = h[i + 1] end
local used = tonumber(s.total or '0')
local qkind = s.qkind
local qp, qc = {}, {}
for i = 0, 3 do
  qp[i] = tonumber(s['qp' .. i] or '')
  qc[i] = tonumber(s['qc' .. i] or '0')
end
local started = s.started == '1'
local tokens = tonumber(s.tokens or '0')
local refilled = tonumber(s.refilled or '0')
local sunit = tonumber(s.unit or '0')

local granted, failed = 0, 0
while granted < n do
  failed = 0
  if total >= 0 and used >= total then failed = failed + TOTAL end
  local slot, fresh, reset = -1, false, false
  if quota >= 0 then
    reset = (qkind == nil) or (qkind ~= kind)
    if reset then
      slot, fresh = 0, true
    else
      local empty, oldest = -1, -1
      for i = 0, 3 do
        local p = qp[i]
        if p == period then
          slot = i
        elseif p == nil then
          if empty < 0 then empty = i end
        elseif oldest < 0 or p < qp[oldest] then
          oldest = i
        end
      end
      if slot < 0 and empty >= 0 then
        slot, fresh = empty, true
      elseif slot < 0 and oldest >= 0 and period > qp[oldest] then
        slot, fresh = oldest, true
      end
    end
    if slot < 0 then
      failed = failed + QUOTA
    elseif (not fresh) and qc[slot] >= quota then
      failed = failed + QUOTA
    end
  end
  local t, r = 0, 0
  if permits >= 0 then
    if not started then
      t, r = capacity, ts
    else
      t, r = tokens, refilled
      if sunit > 0 and sunit ~= unit then t = math.floor(t / sunit) * unit end
      t = math.min(t, capacity)
      local el = ts - r
      if el > 0 then
        if el >= unit then t = capacity else t = math.min(capacity, t + el * permits) end
        r = ts
      end
    end
    if t < unit then failed = failed + RATE end
  end
  if failed ~= 0 then break end
  if total >= 0 then used = used + 1 end
  if quota >= 0 then
    if reset then
      for i = 0, 3 do qp[i] = nil; qc[i] = 0 end
      qkind = kind
    end
    qp[slot] = period
    if fresh then qc[slot] = 1 else qc[slot] = qc[slot] + 1 end
  end
  if permits >= 0 then
    started, sunit, tokens, refilled = true, unit, t - unit, r
  end
  granted = granted + 1
end

if granted > 0 then
  local out = {'total', used}
  if qkind ~= nil then
    table.insert(out, 'qkind'); table.insert(out, qkind)
    for i = 0, 3 do
      if qp[i] ~= nil then
        table.insert(out, 'qp' .. i); table.insert(out, string.format('%d', qp[i]))
        table.insert(out, 'qc' .. i); table.insert(out, qc[i])
      else
        redis.call('HDEL', KEYS[1], 'qp' .. i, 'qc' .. i)
      end
    end
  end
  if started then
    table.insert(out, 'started'); table.insert(out, '1')
    table.insert(out, 'unit'); table.insert(out, string.format('%d', sunit))
    table.insert(out, 'tokens'); table.insert(out, string.format('%d', tokens))
    table.insert(out, 'refilled'); table.insert(out, string.format('%d', refilled))
  end
  redis.call('HSET', KEYS[1], unpack(out))
end
return {granted, failed}
