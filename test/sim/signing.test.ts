// The documented test vectors of vendor-protocols.md: Vidu's callback signature, Volcengine SigV4
// (variants A, B, C) and Kling's JWT.
import { createHash } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { viduCallbackHeaders, viduSignature, viduSigningString } from "../../simulator/vidu.ts";
import { canonicalRequest, verifyVolcRequest } from "../../simulator/volc-sign.ts";

describe("Vidu callback signature (§3.7)", () => {
  const date = "Tue, 06 May 2025 12:09:42 GMT";
  const nonce = "123e4567-e89b-12d3-a456-426614174000";

  it("reproduces the documented signing string and signature", () => {
    const s = viduSigningString("POST", "/vidu/callback", "name=james&age=36", date, nonce);
    expect(s).toBe(
      "POST\n/vidu/callback\nname=james&age=36\nvidu\nTue, 06 May 2025 12:09:42 GMT\nDate:Tue, 06 May 2025 12:09:42 GMT\nx-request-nonce:123e4567-e89b-12d3-a456-426614174000\n",
    );
    expect(viduSignature("vidu_test_api_key_123", s)).toBe("do3X61f1S0kRjNUve4/vDUdUAJ7yIYtk1bpSVbQcdIE=");
  });

  it("builds the documented headers from the registered callback URL", () => {
    const h = viduCallbackHeaders("vidu_test_api_key_123", "http://127.0.0.1:8080/vidu/callback?name=james&age=36", new Date(date), nonce);
    expect(h).toEqual({
      Date: date,
      "x-request-nonce": nonce,
      "X-HMAC-SIGNED-HEADERS": "Date;x-request-nonce",
      "X-HMAC-ALGORITHM": "hmac-sha256",
      "X-HMAC-ACCESS-KEY": "vidu",
      "X-HMAC-SIGNATURE": "do3X61f1S0kRjNUve4/vDUdUAJ7yIYtk1bpSVbQcdIE=",
    });
  });
});

describe("Volcengine signature V4 verifier (§2.6)", () => {
  const body = Buffer.from('{"req_key":"jimeng_t2v_v30","prompt":"a cat","seed":-1,"frames":121,"aspect_ratio":"16:9"}');
  const creds = { accessKeyId: "AKLTtestaccesskey", secretAccessKey: "dGVzdHNlY3JldGtleQ==" };
  const now = new Date("2025-01-15T08:30:00Z");
  const hash = "c8b20c30685dd6838d0d70e6351fdae202131c02c7e7220f48f595b1fb33841a";
  const headers = {
    "content-type": "application/json",
    host: "visual.volcengineapi.com",
    "x-content-sha256": hash,
    "x-date": "20250115T083000Z",
  };
  const variants = [
    [
      "A",
      "x-content-sha256;x-date",
      "edb77cbc08cc2a33b7a8da8513c7dadb0eae30cbefeacd2dff2ef8925b60b22c",
      "90194874b3509186a52fb8af8498e3c63f132050abc04b8837a802586b519499",
    ],
    [
      "B",
      "host;x-content-sha256;x-date",
      "161f855955963b201a5b828aa432a9d95c750521411c6acf49a48446fe4356f0",
      "4d1de09ba860d5d92125b0bd89e8c0a811856713ca13f3254f5621078d500567",
    ],
    [
      "C",
      "content-type;host;x-content-sha256;x-date",
      "1b9b7f07dd6ff2abf023cec040511d5c436666b9f69b7f4dec01ef0e13b9c9e5",
      "50e553d7ba233ac4b852411cb4d38e56ebcbb3d90c7aa84275e39d26c599917d",
    ],
  ] as const;
  const request = (signed: string, signature: string) => ({
    method: "POST",
    path: "/",
    rawQuery: "Action=CVSync2AsyncSubmitTask&Version=2022-08-31",
    headers: {
      ...headers,
      authorization: `HMAC-SHA256 Credential=AKLTtestaccesskey/20250115/cn-north-1/cv/request, SignedHeaders=${signed}, Signature=${signature}`,
    },
    body,
  });

  it("hashes the body as documented", () => {
    expect(createHash("sha256").update(body).digest("hex")).toBe(hash);
  });

  for (const [name, signed, canonicalHash, signature] of variants) {
    it(`accepts test vector ${name} (${signed})`, () => {
      const req = request(signed, signature);
      const canonical = canonicalRequest(req, signed.split(";"), hash);
      expect(createHash("sha256").update(canonical).digest("hex")).toBe(canonicalHash);
      expect(verifyVolcRequest(req, creds, now)).toBeNull();
    });
  }

  it("rejects a vector whose signature, body, key or clock is off", () => {
    const [, signed, , signature] = variants[0];
    const flipped = signature.replace(/^9/, "8");
    expect(verifyVolcRequest(request(signed, flipped), creds, now)).toMatchObject({ codeN: 100010, status: 401 });
    const tampered = { ...request(signed, signature), body: Buffer.from(body.toString().replace("cat", "dog")) };
    expect(verifyVolcRequest(tampered, creds, now)).toMatchObject({ code: "SignatureDoesNotMatch" });
    expect(verifyVolcRequest(request(signed, signature), { ...creds, accessKeyId: "AKLTother" }, now)).toMatchObject({ codeN: 100009 });
    expect(verifyVolcRequest(request(signed, signature), { ...creds, secretAccessKey: "other" }, now)).toMatchObject({ codeN: 100010 });
    expect(verifyVolcRequest(request(signed, signature), creds, new Date("2025-01-15T09:30:00Z"))).toMatchObject({ codeN: 100006 });
  });
});

describe("Kling JWT (§1.2)", () => {
  it("the test-side signer reproduces the documented token byte for byte", async () => {
    const token = await new SignJWT({ iss: "AK_TEST_0123456789", exp: 1735691400, nbf: 1735689595 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("SK_TEST_abcdefghijklmnopqrstuvwxyz"));
    expect(token).toBe(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJBS19URVNUXzAxMjM0NTY3ODkiLCJleHAiOjE3MzU2OTE0MDAsIm5iZiI6MTczNTY4OTU5NX0.FoCS-580ZZXM9YtfqPZPk366Zug5CW9aTI4IrLXLAS4",
    );
  });
});
