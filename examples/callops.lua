-- Call control on proxied calls (docs/callops.md): a record-routing proxy
-- that tracks every call, so calls can be transferred and put on hold from
-- the management interface (call_transfer, call_hold, call_unhold), with
-- the snippets of the callops manual written for Tandem.
--
--   tandem examples/callops.lua
--   tandem-cli mi call_hold callid=<Call-ID>
--   tandem-cli mi call_transfer callid=<Call-ID> leg=caller destination=sip:agent@127.0.0.1

listen("udp:127.0.0.1:5060")
mi_listen("127.0.0.1:8888")

-- How the call coming back from a blind transfer is found: "param" (the
-- default) adds ;osid=<dialog id> to the Refer-To and takes it off the new
-- INVITE; "callid" puts the Call-ID there; "manual" leaves it to the
-- script (call_blind_replace and call_transfer_notify below).
modparam("callops", "mode", "param")
modparam("callops", "match_param", "osid")
-- A transfer that goes this long without news (the REFER's answer, a
-- NOTIFY, the new call) fails with 408.
modparam("callops", "notify_timeout", 30)
-- A transfer Tandem started that succeeds ends the call it transferred
-- (a BYE to both parties, as the transferor does); 0 leaves that to the
-- phones, as OpenSIPS does.
modparam("callops", "transfer_ends_call", 1)

-- Set to true with modparam("callops", "mode", "manual").
local manual = false

function request_route(msg)
  if has_totag() then
    route("in_dialog")
    return
  end
  if is_method("CANCEL") then
    t_relay()
    return
  end
  if is_method("ACK") then
    drop()
    return
  end

  if is_method("INVITE") then
    if manual then
      -- Manual mode: the script knows which call a new one transfers.
      -- Here a transfer started below left the transferred Call-ID in the
      -- local cache, under the user the transferee is sent to.
      local key = "xfer_" .. (msg.ruri_user or "")
      local transferred = cache_fetch("local", key)
      if transferred then
        call_blind_replace(transferred, "caller")
        cache_remove("local", key)
      end
    end
    create_dialog()
  end
  record_route()
  route("relay")
end

route("in_dialog", function(msg)
  if not loose_route() then
    if is_method("ACK") then
      drop()
    else
      send_reply(404, "Not Here")
    end
    return
  end
  -- In param and callid modes Tandem answers the NOTIFYs of its own REFERs
  -- before the script runs. In manual mode they come here: answer them
  -- (the route ends when the NOTIFY was one of ours).
  if is_method("NOTIFY") and msg:header("Event") == "refer" then
    call_transfer_notify()
  end
  -- A call can also be transferred from the script, inside its dialog:
  -- an INFO with "X-Transfer: <uri>" sends the caller there.
  local target = msg:header("X-Transfer")
  if is_method("INFO") and target then
    if manual then
      local user = string.match(target, "^sips?:([^@;>]+)@")
      if user then cache_store("local", "xfer_" .. user, msg.callid, 60) end
    end
    if call_transfer("caller", target) then
      send_reply(200, "Transferring")
    else
      send_reply(491, "Transfer Refused")
    end
    return
  end
  -- Attended: "X-Replace-With: <Call-ID of another call>" bridges the
  -- caller of this call with the callee of that one.
  local other = msg:header("X-Replace-With")
  if is_method("INFO") and other then
    if call_transfer("caller", other, "callee") then
      send_reply(200, "Transferring")
    else
      send_reply(491, "Transfer Refused")
    end
    return
  end
  route("relay")
end)

route("relay", function(msg)
  if not t_relay() then
    -- Why it could not go: 482 Loop Detected, 483 Too Many Hops,
    -- 478 Unresolvable destination, 503 ...
    sl_reply_error()
  end
end)

-- Every step of a transfer: start, notify, ok or fail, and ended when Tandem
-- hung up the transferred call.
event_route("E_CALL_TRANSFER", function(event)
  xlog("L_INFO", "transfer of " .. event.callid .. " (" .. event.leg .. ") to " ..
       event.destination .. ": " .. event.state .. " " .. event.status ..
       " new call " .. event.transfer_callid)
end)

-- Every leg put on hold or resumed: start, then ok or fail.
event_route("E_CALL_HOLD", function(event)
  xlog("L_INFO", event.action .. " of the " .. event.leg .. " of " .. event.callid .. ": " ..
       event.state)
end)
