#!/usr/bin/env bash
# Single-node KRaft Kafka broker from Maven Central jars.
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/node-env.sh"
KAFKA_VERSION=3.9.1
PORT="${KAFKA_PORT:-19092}"; CPORT=$((PORT + 1))
HOME_DIR="$CACHE/kafka-$KAFKA_VERSION"; DATA="$RUN/kafka"
if port_open "$PORT"; then log "kafka already listening on 127.0.0.1:$PORT"; exit 0; fi
if [[ ! -f "$HOME_DIR/.complete" ]]; then
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
  mkdir -p "$HOME_DIR/libs"
  mvn -B -q -f "$TESTBED_DIR/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$HOME_DIR/libs" -DincludeScope=runtime >&2
  touch "$HOME_DIR/.complete"
fi
mkdir -p "$DATA/logs"
# A second listener on the test bed node's pod bridge (node.sh bridge, created before Kafka starts), so
# pods get metadata naming an address they can reach; loopback clients keep using PLAINTEXT.
LISTENERS="PLAINTEXT://127.0.0.1:$PORT"; ADVERTISED="PLAINTEXT://127.0.0.1:$PORT"
if [[ "${TESTBED_NODE:-1}" != 0 && "$(ip -4 -o addr show 2>/dev/null)" == *"inet $POD_HOST_IP/"* ]]; then
  LISTENERS+=",PODS://$POD_HOST_IP:$KAFKA_POD_PORT"; ADVERTISED+=",PODS://$POD_HOST_IP:$KAFKA_POD_PORT"
fi
cat > "$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=$LISTENERS,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=$ADVERTISED
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PODS:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA/logs
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
cat > "$DATA/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS
JAVA_CP="$HOME_DIR/libs/*"
if [[ ! -f "$DATA/logs/meta.properties" ]]; then
  java -cp "$JAVA_CP" -Dlog4j.configuration="file:$DATA/log4j.properties" kafka.tools.StorageTool format \
    -t "gInKgOlIvEtEsTbEd0000A" -c "$DATA/server.properties" --ignore-formatted >&2
fi
nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$DATA/log4j.properties" -cp "$JAVA_CP" kafka.Kafka "$DATA/server.properties" \
  > "$DATA/kafka.out" 2>&1 &
echo $! > "$DATA/kafka.pid"
wait_port "$PORT" 90 kafka || { tail -30 "$DATA/kafka.out" >&2; exit 1; }
log "kafka listening on 127.0.0.1:$PORT"
