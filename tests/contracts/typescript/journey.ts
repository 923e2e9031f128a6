// A storefront's first journey through the Omni API, written as a frontend team would against a
// client generated from the gateway's OpenAPI document:
//
//   npx openapi-typescript https://<gateway>/schema/openapi.json --default-non-nullable=false \
//     -o omni-api.d.ts
//
// then typed calls with openapi-fetch. Browse, build a cart, check out, read the order.
// `make test` type-checks this file against the current document (tests/contracts).
import createClient from "openapi-fetch";
import type { components, paths } from "./omni-api";

type Money = components["schemas"]["Money"];
type Order = components["schemas"]["Order"];

function shown(money: Money | null | undefined): string {
  return money ? `${(money.amount_minor / 100).toFixed(2)} ${money.currency}` : "-";
}

export async function firstOrder(baseUrl: string, email: string, password: string): Promise<Order> {
  const api = createClient<paths>({ baseUrl });

  const signedIn = await api.POST("/api/v1/auth/token", { body: { email, password } });
  if (!signedIn.data) throw new Error(`sign-in refused: ${signedIn.response.status}`);
  const auth = { Authorization: `Bearer ${signedIn.data.access_token}` };

  // Browse: search the web shop's products, newest first, with facets.
  const found = await api.GET("/api/v1/catalog/products", {
    params: { query: { q: "linen shirt", sort: "newest", page_size: 12, facets: true } },
  });
  const item = found.data?.items[0];
  const variant = item?.product.variants[0];
  if (!item || !variant) throw new Error("nothing to buy");
  const price: Money | null = item.listing?.effective_price ?? null;
  console.log(`${item.product.slug}: ${shown(price)}, ${found.data?.facets?.counted ?? 0} counted`);

  const stock = await api.GET("/api/v1/availability/{sku}", {
    params: { path: { sku: variant.sku } },
  });
  if (stock.data?.status === "out_of_stock") throw new Error(`${variant.sku} is sold out`);

  // Cart: the same on every device; a line holds stock until the cart expires.
  const cart = await api.GET("/api/v1/carts/current", { headers: auth });
  if (!cart.data) throw new Error("no cart");
  const added = await api.POST("/api/v1/carts/{cart_id}/lines", {
    params: { path: { cart_id: cart.data.id } },
    headers: auth,
    body: { sku: variant.sku, quantity: 2 },
  });
  const line = added.data?.lines.find((each) => each.sku === variant.sku);
  console.log(`held until ${line?.hold_expires_at ?? "-"}, subtotal ${shown(added.data?.subtotal)}`);

  const options = await api.GET("/api/v1/carts/{cart_id}/delivery-options", {
    params: { path: { cart_id: cart.data.id } },
    headers: auth,
  });
  const home = options.data?.options.find((option) => option.mode === "home_delivery");

  // Checkout: an Idempotency-Key makes a retried request the same order.
  const placed = await api.POST("/api/v1/orders", {
    headers: { ...auth, "Idempotency-Key": crypto.randomUUID() },
    body: {
      cart_id: cart.data.id,
      delivery: {
        mode: "home_delivery",
        option_id: home?.option_id ?? "",
        address: { lines: ["Marszałkowska 1"], city: "Warszawa", country_code: "PL" },
      },
      payment_method: "online_card",
      payment_token: "tok_visa",
      expected_total: added.data?.subtotal ?? undefined,
    },
  });
  if (!placed.data) throw new Error(`checkout refused: ${placed.response.status}`);

  // The order: 201 when placed, 202 while a slow payment is pending (poll it).
  const read = await api.GET("/api/v1/orders/{order_id}", {
    params: { path: { order_id: placed.data.id } },
    headers: auth,
  });
  const order = read.data;
  if (!order) throw new Error("the order vanished");
  if (order.status === "confirmed" || order.status === "pending") {
    const units = order.lines.reduce((sum, each) => sum + each.quantity, 0);
    console.log(`order ${order.number}: ${order.status}, ${units} units, ${shown(order.totals?.total)}`);
  }
  return order;
}
