import { readOrdersPage } from '../payload.js'
import type { OrdersPage } from '../platform.js'
import { normaliseWooOrder, notPlacedYet, parseWooOrder, WOO_ORDER_FIELDS } from './order.js'
import { type WooApi, wooPages } from './restApi.js'

/**
 * The store's orders created at or after `since`, through `GET /wp-json/wc/v3/orders`, oldest
 * first, 100 a page (WooCommerce's most), with only the fields we read. `after` is UTC without an
 * offset and `dates_are_gmt=true`, so it is compared with `date_created_gmt` as written: WordPress
 * turns a time that carries an offset into the site's local time first
 * (`WP_Date_Query::build_mysql_datetime`), and reads one without an offset as local time unless told
 * the dates are GMT (woocommerce/woocommerce#28111).
 */
export async function* wooOrdersCreatedSince(api: WooApi, since: number): AsyncIterable<OrdersPage> {
  const query = {
    // `after` is exclusive and to the second: the second before the one `since` falls in.
    after: new Date(Math.floor(since / 1000) * 1000 - 1000).toISOString().slice(0, 19),
    dates_are_gmt: 'true',
    orderby: 'date',
    order: 'asc',
    per_page: '100',
    _fields: WOO_ORDER_FIELDS.join(','),
  }
  for await (const items of wooPages<unknown>(api, '/orders', query))
    yield readOrdersPage(items, (item) => {
      const order = parseWooOrder(item)
      return notPlacedYet(order) ? undefined : normaliseWooOrder(order)
    })
}
