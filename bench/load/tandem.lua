-- Tandem doing the work of the load benchmark (bench/load/): a stateful
-- proxy that relays by Request-URI, record-routes, tracks every call as a
-- dialog and routes in-dialog requests by their Route set. The same routing
-- as bench/load/kamailio.cfg. bench.py gives the port in BENCH_PROXY_PORT.

local port = os.getenv("BENCH_PROXY_PORT") or "5060"
listen("udp:127.0.0.1:" .. port)
listen("tcp:127.0.0.1:" .. port)

function request_route(msg)
  if has_totag() then
    if loose_route() then
      t_relay()
    elseif is_method("ACK") then
      drop()
    else
      send_reply(404, "Not Here")
    end
    return
  end
  if is_method("CANCEL") then
    t_relay()
    return
  end
  if is_method("INVITE") then
    create_dialog()
  end
  record_route()
  if not t_relay() then
    sl_reply_error()
  end
end
