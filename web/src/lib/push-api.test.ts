import { describe, expect, it } from "vitest";
import { base64UrlBytes } from "./push-api";

describe("base64UrlBytes", () => {
  it("decodes base64url without padding, as VAPID keys come", () => {
    // 65 bytes: an uncompressed P-256 point starts with 0x04
    const key = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U";
    const bytes = base64UrlBytes(key);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
  });

  it("maps - and _ back to + and /", () => {
    expect(Array.from(base64UrlBytes("-_8"))).toEqual([0xfb, 0xff]);
  });
});
