-- Tandem for the overload run (bench/load/overload.py): the routing of
-- tandem.lua, the management interface on a port of the run's choosing, and
-- the overload caps when the run sets them. overload.py gives the ports and
-- caps in the environment.

local port = os.getenv("BENCH_PROXY_PORT") or "5060"
listen("udp:127.0.0.1:" .. port)
mi_listen("127.0.0.1:" .. (os.getenv("BENCH_MI_PORT") or "8888"))
if os.getenv("BENCH_MAX_TRANSACTIONS") then
  modparam("tm", "max_transactions", tonumber(os.getenv("BENCH_MAX_TRANSACTIONS")))
end
if os.getenv("BENCH_MAX_UNREPLIED_INVITES") then
  modparam("tm", "max_unreplied_invites", tonumber(os.getenv("BENCH_MAX_UNREPLIED_INVITES")))
end
if os.getenv("BENCH_MAX_DIALOGS") then
  modparam("dialog", "max_dialogs", tonumber(os.getenv("BENCH_MAX_DIALOGS")))
end

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
    send_reply(500, "Server Internal Error")
  end
end
