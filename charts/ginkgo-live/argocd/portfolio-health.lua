-- Argo CD custom health check for ginkgo.live/Portfolio (resource.customizations.health.ginkgo.live_Portfolio).
-- Healthy: phase Running and status.observedGeneration == metadata.generation (the operator saw this spec).
-- Degraded: phase Degraded or Failed, or condition Degraded=True.
-- Suspended: stopped on purpose (spec.desiredState Stopped or spec.suspend, and phase Stopped) or halted by
--   the emergency stop (phase Halted).
-- Progressing: anything else (no status yet, Pending, Assigned, a spec change not yet observed).
local hs = { status = "Progressing", message = "Waiting for the operator to accept the Portfolio" }
local st = obj.status
if st == nil then
  return hs
end

local function condition(kind)
  if st.conditions == nil then
    return nil
  end
  for _, c in ipairs(st.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function reason(default)
  local d = condition("Degraded")
  if d ~= nil and d.status == "True" and d.message ~= nil and d.message ~= "" then
    return d.message
  end
  if st.message ~= nil and st.message ~= "" then
    return st.message
  end
  return default
end

local phase = st.phase or "Pending"
local degraded = condition("Degraded")
if phase == "Degraded" or phase == "Failed" or (degraded ~= nil and degraded.status == "True") then
  hs.status = "Degraded"
  hs.message = reason("Portfolio is " .. phase)
  return hs
end

if phase == "Halted" then
  hs.status = "Suspended"
  hs.message = reason("Trading halted by the emergency stop")
  return hs
end

local spec = obj.spec or {}
local stopWanted = spec.desiredState == "Stopped" or spec.suspend == true
if phase == "Stopped" and stopWanted then
  hs.status = "Suspended"
  hs.message = "Portfolio is stopped (spec.desiredState Stopped or spec.suspend)"
  return hs
end

local generation = obj.metadata and obj.metadata.generation
if phase == "Running" and generation ~= nil and st.observedGeneration == generation then
  hs.status = "Healthy"
  local where = st.assignedNode and (" on " .. st.assignedNode) or ""
  hs.message = "Running" .. where
  return hs
end

if phase == "Running" then
  hs.message = "Spec generation " .. tostring(generation) .. " not yet observed (observedGeneration " ..
    tostring(st.observedGeneration) .. ")"
else
  hs.message = reason("Portfolio is " .. phase)
end
return hs
