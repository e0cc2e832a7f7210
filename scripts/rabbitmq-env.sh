# Shared by scripts/start-rabbitmq and scripts/stop-rabbitmq: one private RabbitMQ node for
# the tests, on loopback, with its own node name, ports and data directory, so it never
# touches (or clashes with) a system rabbitmq-server.
#
# Environment (all optional):
#   NAZAR_RABBITMQ_BASE   data, logs and pidfile (default /run/nazar-rabbitmq)
#   NAZAR_RABBITMQ_PORT   AMQP port on 127.0.0.1 (default 5673); another port gets its own
#                         node name, so two private brokers can run side by side
#   NAZAR_RABBITMQ_TLS_PORT  AMQPS port on 127.0.0.1 (default: the AMQP port + 1, so 5674);
#                         its throwaway CA and certificates are made by start-rabbitmq in
#                         $NAZAR_RABBITMQ_BASE/tls (never committed)
#   NAZAR_RABBITMQ_NODE   Erlang node name (default: from the port, as above); a second
#                         node beside the test broker (scripts/soak's) may name its own

RMQ_BASE=${NAZAR_RABBITMQ_BASE:-/run/nazar-rabbitmq}
RMQ_PORT=${NAZAR_RABBITMQ_PORT:-5673}
RMQ_TLS_PORT=${NAZAR_RABBITMQ_TLS_PORT:-$((RMQ_PORT + 1))}
RMQ_TLS_DIR=$RMQ_BASE/tls
if [[ -n ${NAZAR_RABBITMQ_NODE:-} ]]; then RMQ_NODE=$NAZAR_RABBITMQ_NODE
elif [[ $RMQ_PORT == 5673 ]]; then RMQ_NODE=nazar-test@localhost; else RMQ_NODE=nazar-test-$RMQ_PORT@localhost; fi
RMQ_USER=nazar
RMQ_PASSWORD=nazar-test-secret
RMQ_VHOST=nazar-test

export RABBITMQ_NODENAME=$RMQ_NODE
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$RMQ_PORT
export RABBITMQ_DIST_PORT=$((RMQ_PORT + 20000))
export ERL_EPMD_PORT=4371
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE=$RMQ_BASE/mnesia
export RABBITMQ_LOG_BASE=$RMQ_BASE/log
export RABBITMQ_PID_FILE=$RMQ_BASE/rabbitmq.pid
export RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_BASE/enabled_plugins
export RABBITMQ_CONFIG_FILE=$RMQ_BASE/rabbitmq.conf
export RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_BASE/advanced.config
export RABBITMQ_CONF_ENV_FILE=$RMQ_BASE/rabbitmq-env.conf
export HOME=/var/lib/rabbitmq

# rabbitmqctl must run as the node's user to share its Erlang cookie.
rmqctl() { runuser -u rabbitmq --preserve-environment -- /usr/sbin/rabbitmqctl -n "$RMQ_NODE" "$@"; }
