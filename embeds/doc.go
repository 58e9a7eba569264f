// Package embeds holds back third-party embeds in HTML responses until
// the visitor grants the consent category their provider needs: YouTube
// videos, Vimeo players, Google Maps, X (Twitter), Instagram, Facebook,
// TikTok, Spotify and SoundCloud embeds, and the site's own providers.
//
// While a provider's category is not granted (marketing by default,
// Config.Categories changes it per provider):
//
//   - YouTube frames (youtube.com, www., m., youtu.be, //-relative) move
//     to https://www.youtube-nocookie.com/embed/<id>, keeping only the
//     player parameters that share nothing (see nocookieURL); with
//     Config.YouTube "placeholder" they get a placeholder too, which on
//     a click still loads the nocookie URL.
//   - The frames of the other providers (iframe, frame, embed and object
//     elements, and data-src/data-lazy-src of lazy-loading libraries)
//     become click-to-load placeholders; with Config.Vimeo "dnt", Vimeo
//     player frames get dnt=1 instead.
//   - Provider scripts (platform.twitter.com/widgets.js, Instagram's
//     embed.js, Facebook's SDK, TikTok's embed.js, the YouTube and Maps
//     APIs) are removed, content and end tag included, leaving the
//     comment <!-- privacy: <provider> script held until consent -->.
//     The content they would have enhanced (blockquote.twitter-tweet)
//     stays as it is.
//   - <link> elements that connect to or fetch from a provider ahead of
//     time (preconnect, dns-prefetch, preload, modulepreload, prefetch,
//     prerender) are removed the same way.
//   - srcdoc documents, and the documents of data: URLs (HTML, XHTML,
//     SVG) frames load, are rewritten the same way.
//
// Granted providers' elements pass byte for byte, and when every
// provider is granted, Needed is false and the response must not be
// wrapped at all.
//
// # The placeholder
//
//	<span class="privacy-embed" role="group" data-privacy-embed="maps"
//	      aria-label="Google Maps map not loaded" style="width:600px;height:450px">
//	  <span id="privacy-embed-1">Loading this map shares your IP address and
//	    device details with Google Maps and lets it set cookies.</span>
//	  <button type="button" data-privacy-embed-load aria-describedby="privacy-embed-1">Load map</button>
//	  <a href="/privacy">Privacy settings</a>
//	  <template data-privacy-embed><iframe src="https://www.google.com/maps/embed?…" …></iframe></template>
//	</span>
//
// It is made of spans, which are allowed wherever a frame is (a div
// would end an enclosing <p>). Its size is the element's: its width and
// height attributes, then the width, height, min-/max- and aspect-ratio
// declarations of its style attribute; with one dimension only, a video
// keeps 16:9 and anything else the other browser default; with none,
// 300×150 as for a frame.
//
// Before the first placeholder of a page comes one <style> and one
// <script>, whose bodies never change, so that a Content-Security-Policy
// can allow them by hash: ScriptHash in script-src, StyleHash in
// style-src (Sources and StyleSources include them). The script loads
// the embed of the placeholder whose button is clicked, for this page
// view only: it records no consent. Without JavaScript the button does
// nothing and the link leads to the site's privacy settings
// (Config.SettingsURL, default /privacy).
//
// # Texts
//
// Config.Text overrides these, all HTML-escaped when written, with
// {provider} replaced by the provider's name. A key alone applies to all
// providers; key.<kind> to one kind (video: YouTube, Vimeo, TikTok; map:
// Maps; post: X, Instagram, Facebook; audio: Spotify, SoundCloud;
// content: custom providers); key.<provider> to one provider. The most
// specific wins.
//
//	label         "{provider} content not loaded"     (label.video: "{provider} video not loaded", …)
//	notice        "Loading this content shares your IP address and device details with {provider} and lets it set cookies."
//	              (notice.video: "Loading this video shares …", notice.map, notice.post, notice.audio: "this player")
//	load          "Load content"                      (load.video "Load video", load.map "Load map", load.post "Load post", load.audio "Load player")
//	settings      "Privacy settings"
//	name.<p>      the provider's name: "YouTube (Google)", "Vimeo", "Google Maps", "X (Twitter)",
//	              "Instagram (Meta)", "Facebook (Meta)", "TikTok", "Spotify", "SoundCloud"; a custom provider's Name
//
// # Streaming
//
// The writer Wrap returns is a tokenizer after the HTML standard's: it
// finds tags, comments, DOCTYPEs, CDATA and raw text (script with its
// escapes, style, textarea, title, xmp, iframe, noembed, noframes,
// plaintext) as browsers do, and writes every byte that is not part of
// an embed's start tag straight through as a slice of the caller's
// buffer, without copying. It holds at most one start tag of an iframe,
// frame, embed, object or script (MaxTag, 64 KiB) and a tag name; a
// longer such tag is dropped with the element's content (fail closed).
// Attribute values are entity-decoded and URLs read as browsers read
// them (white space and tabs ignored, '\' as '/', scheme-relative,
// percent-encoded and non-ASCII host names) before a host is judged.
//
// Two places are read both ways, so that an embed is rewritten whichever
// way a browser reads them: <noscript> (raw text to browsers with
// scripting, markup to those without) and the raw-text elements inside
// <svg> and <math> (markup there, raw text once a tag breaks out). In
// them, embed start tags are read as tags wherever they appear.
//
// # Limits
//
// The writer reads bytes of an ASCII-compatible encoding (UTF-8,
// Windows-1252, …), not UTF-16, and not compressed bodies: the handler
// wraps only uncompressed HTML, and drops Content-Length, which a
// rewrite changes. Embeds a page's own scripts create at run time are
// not seen (the provider scripts that create them are removed; a CSP
// built from Sources is the backstop for the rest). A <base href> that
// points at a provider is not followed. With scripting disabled,
// browsers read <noscript> as markup: embeds in it are rewritten, but
// markup mixing it with <svg>/<math> and CDATA may be read otherwise.
package embeds
