/**
 * The one responsive layout every mail's html goes out in: a table-based document (what Outlook and the
 * other desktop clients lay out reliably), one column of at most 600 px centred on a grey page, full width
 * with smaller padding on a phone (meta viewport + a media query, the inline styles alone already readable
 * where a client drops `<style>`). Templates hold only the body; the text part goes as rendered.
 *
 * Hand-written rather than compiled with mjml: the layout is fixed and small, and a template never holds
 * layout markup, so an mjml compile per mail would buy nothing.
 */
import type { RenderedMail } from './templates.js';

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const FONTS = {
  en: "Helvetica, Arial, 'PingFang SC', 'Microsoft YaHei', sans-serif",
  'zh-CN':
    "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', Helvetica, Arial, sans-serif",
} as const;

/** The rendered mail with its html body inside the layout. */
export function withLayout(mail: RenderedMail): RenderedMail {
  const font = FONTS[mail.locale].replace(/'/g, '&#39;');
  const html = `<!DOCTYPE html>
<html lang="${mail.locale}" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="x-apple-disable-message-reformatting">
<title>${escapeHtml(mail.subject)}</title>
<style>
  body { margin: 0; padding: 0; width: 100% !important; -webkit-text-size-adjust: 100%; }
  table { border-collapse: collapse; }
  img { border: 0; max-width: 100%; height: auto; }
  @media only screen and (max-width: 620px) {
    .mail-container { width: 100% !important; }
    .mail-content { padding: 20px 16px !important; font-size: 17px !important; }
  }
</style>
</head>
<body style="margin:0;padding:0;background-color:#f3f1ed;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f1ed;">
<tr>
<td align="center" style="padding:24px 8px;">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" class="mail-container" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;">
<tr>
<td class="mail-content" style="padding:32px;font-family:${font};font-size:16px;line-height:1.6;color:#222222;text-align:left;">
${mail.html.trim()}
</td>
</tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td>
</tr>
</table>
</body>
</html>
`;
  return { ...mail, html };
}
