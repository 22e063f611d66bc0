-- Gives back calls a replica reserved and did not spend: t from the total, q from the quota of
-- calendar period p (only while that period is still kept). Never below zero.
-- KEYS[1]: the key's hash. ARGV: t q p
local t, q, p = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if t > 0 then
  local used = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
  redis.call('HSET', KEYS[1], 'total', math.max(0, used - t))
end
if q > 0 then
  for i = 0, 3 do
    if tonumber(redis.call('HGET', KEYS[1], 'qp' .. i) or '') == p then
      local c = tonumber(redis.call('HGET', KEYS[1], 'qc' .. i) or '0')
      redis.call('HSET', KEYS[1], 'qc' .. i, math.max(0, c - q))
    end
  end
end
return 1
