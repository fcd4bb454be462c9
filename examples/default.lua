-- Tandem's bundled default script: what `tandem` runs when given no script.
--
-- A stateful proxy that routes every request by its Request-URI, stays in
-- the signalling path of the calls it sets up (Record-Route) and tracks the
-- dialog of every call, so the calls can be listed, transferred and put on
-- hold over the management interface. Copy it as the start of your own.

-- Where to listen for SIP, and for management (JSON-RPC over HTTP).
listen("udp:0.0.0.0:5060")
listen("tcp:0.0.0.0:5060")
mi_listen("127.0.0.1:8888")

-- Every request, once the transaction layer has let it through.
function request_route(msg)
  if has_totag() then
    route("in_dialog")
    return
  end

  -- An initial request, which starts a dialog or stands alone.
  if is_method("CANCEL") then
    -- Matched to the INVITE it cancels and relayed the same way.
    t_relay()
    return
  end
  if is_method("ACK") then
    -- An ACK without a To tag belongs to no dialog of ours.
    drop()
    return
  end
  if is_method("REGISTER") then
    send_reply(501, "No Registrar Here")
    return
  end
  if not msg.ruri_user then
    send_reply(484, "Address Incomplete")
    return
  end

  if is_method("INVITE") then
    create_dialog()
  end
  if not is_method("MESSAGE|OPTIONS") then
    record_route()
  end
  route("relay")
end

-- Requests inside a dialog follow the route set the dialog recorded.
route("in_dialog", function(msg)
  if loose_route() then
    route("relay")
    return
  end
  if is_method("ACK") then
    -- The ACK of a 2xx this server did not record: nothing to route.
    drop()
    return
  end
  send_reply(404, "Not Here")
end)

-- Relay statefully to the Request-URI (or to msg.dst when a route set one).
route("relay", function(msg)
  if not t_relay() then
    -- Why it could not go: 482 Loop Detected, 483 Too Many Hops,
    -- 478 Unresolvable destination, 503 ...
    sl_reply_error()
  end
end)
