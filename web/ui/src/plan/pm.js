// The editing library, loaded after geoman.js has made Leaflet global.
import "./geoman.js";
import "@geoman-io/leaflet-geoman-free";
import L from "leaflet";

export default L;
