import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { healthV1, reflectionV1 } from "@hello-metadata/grpc-services";

/** Health/Check for `service` ("" is the whole server): the status's name, or the error's code. */
export async function healthStatus(transport: Transport, service: string): Promise<string> {
  const health = createClient(healthV1.Health, transport);
  try {
    const res = await health.check({ service });
    return healthV1.HealthCheckResponse_ServingStatus[res.status];
  } catch (e) {
    return Code[ConnectError.from(e).code];
  }
}

/** Reflection's list_services: the full name of every service the server has. */
export async function listServices(transport: Transport): Promise<string[]> {
  const reflection = createClient(reflectionV1.ServerReflection, transport);
  async function* requests() {
    yield { messageRequest: { case: "listServices" as const, value: "" } };
  }
  const names: string[] = [];
  for await (const res of reflection.serverReflectionInfo(requests())) {
    if (res.messageResponse.case === "listServicesResponse") {
      names.push(...res.messageResponse.value.service.map((s) => s.name));
    }
  }
  return names;
}
